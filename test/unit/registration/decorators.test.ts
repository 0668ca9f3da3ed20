import { InvocationContext } from '@azure/functions';
import { FunctionApp, RedisPubSubTrigger, registrationsOf, type RedisMessageModel } from '../../../src';
import { ConfigError, ErrorCodes } from '../../../src/errors';
import { definitionFromRegistration } from '../../../src/registration/from-core';

describe('decorators', () => {
  it('register each decorated method with its trigger, named after the method unless name is given', () => {
    @FunctionApp()
    class Orders {
      @RedisPubSubTrigger({ connection: 'Redis', channel: 'orders:*' })
      onOrder(_model: RedisMessageModel): void {}

      @RedisPubSubTrigger({ name: 'exactOne', connection: 'Redis', channel: 'one', pattern: false })
      other(): void {}

      notAFunction(): void {}
    }
    const registrations = registrationsOf(Orders) ?? [];
    expect(registrations.map((r) => r.name)).toEqual(['onOrder', 'exactOne']);
    expect(registrations[0]?.options.trigger).toMatchObject({
      type: 'redisPubSubTrigger',
      connection: 'Redis',
      channel: 'orders:*',
    });
    expect(registrations[1]?.options.trigger).toMatchObject({ channel: 'one', pattern: false });
    expect(registrations[1]?.options.trigger).not.toHaveProperty('name', 'exactOne');
  });

  it('run handlers with this bound to one instance, created on first use', async () => {
    let constructed = 0;
    @FunctionApp()
    class Counter {
      count = 0;
      constructor() {
        constructed++;
      }
      @RedisPubSubTrigger({ connection: 'Redis', channel: 'c' })
      hit(model: RedisMessageModel): string {
        this.count++;
        return `${model.Message}:${this.count}`;
      }
    }
    expect(constructed).toBe(0);
    const [registration] = registrationsOf(Counter) ?? [];
    const definition = definitionFromRegistration(registration!, 'Counter');
    const context = new InvocationContext({ functionName: 'hit' });
    expect(await definition.handler({ Trigger: 'c', Message: 'a' }, context)).toBe('a:1');
    expect(await definition.handler({ Trigger: 'c', Message: 'b' }, context)).toBe('b:2');
    expect(constructed).toBe(1);
    expect(definition.trigger).toMatchObject({ direction: 'in', type: 'redisPubSubTrigger' });
  });

  it('refuse a decorated method whose class lacks @FunctionApp()', () => {
    class Forgotten {
      @RedisPubSubTrigger({ connection: 'Redis', channel: 'x' })
      lost(): void {}
    }
    expect(registrationsOf(Forgotten)).toBeUndefined();
    let caught: unknown;
    try {
      @FunctionApp()
      class Next {
        @RedisPubSubTrigger({ connection: 'Redis', channel: 'y' })
        fine(): void {}
      }
      void Next;
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe(ErrorCodes.DECORATOR_MISUSE);
    expect((caught as ConfigError).message).toContain("'lost'");
  });
});
