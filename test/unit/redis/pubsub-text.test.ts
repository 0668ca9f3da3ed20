import { ChannelText, MessageText } from '../../../src/redis/pubsub-text';

/** A read's bytes and views into them, as node-redis's decoder hands them to a buffer-mode listener. */
function views(...parts: string[]): Buffer[] {
  const read = Buffer.from(parts.join(''));
  let at = 0;
  return parts.map((part) => {
    const view = read.subarray(at, at + Buffer.byteLength(part));
    at += view.length;
    return view;
  });
}

describe('MessageText', () => {
  it('makes the text node-redis makes in string mode, invalid UTF-8 included', () => {
    const text = new MessageText();
    const [hello, accents] = views('hello', 'héllo ☃');
    expect(text.of(hello)).toBe('hello');
    expect(text.of(accents)).toBe('héllo ☃');
    const invalid = Buffer.from([0x61, 0xff, 0x62]);
    expect(text.of(invalid)).toBe(invalid.toString());
    expect(text.of(invalid)).toBe('a\uFFFDb');
  });

  it('gives every listener of a message its text, and each new message its own', () => {
    const text = new MessageText();
    const [first, second] = views('one', 'two');
    expect([text.of(first), text.of(first), text.of(second), text.of(first)]).toEqual([
      'one',
      'one',
      'two',
      'one',
    ]);
  });

  it('turns what __redis__:invalidate carries into the text a string listener would get', () => {
    const text = new MessageText();
    expect(text.of([Buffer.from('k1'), Buffer.from('k2')])).toBe('k1,k2');
    expect(text.of(null)).toBe('null');
    expect(text.of('already text')).toBe('already text');
  });
});

describe('ChannelText', () => {
  it('decodes the channels of a pattern subscription, following each change', () => {
    const text = new ChannelText();
    const [a1, a2, b, longer, a3] = views('news:a', 'news:a', 'news:b', 'news:ab', 'news:a');
    expect([a1, a2, b, longer, a3].map((view) => text.of(view))).toEqual([
      'news:a',
      'news:a',
      'news:b',
      'news:ab',
      'news:a',
    ]);
  });

  it('gives an exact subscription its channel, or what UTF-8 made of it when it does not survive', () => {
    expect(new ChannelText('orders').of(Buffer.from('orders'))).toBe('orders');
    const lone = 'bad\uD800';
    const decoded = Buffer.from(lone).toString();
    expect(decoded).not.toBe(lone);
    expect(new ChannelText(lone).of(Buffer.from(lone))).toBe(decoded);
  });
});
