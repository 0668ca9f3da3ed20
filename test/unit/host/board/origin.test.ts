import type { IncomingMessage } from 'node:http';
import { crossOrigin, hostName, isLoopbackHost } from '../../../../src/host/board/origin';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('hostName', () => {
  it('drops the port and brackets, lower case', () => {
    expect(hostName('LocalHost:7071')).toBe('localhost');
    expect(hostName('[::1]:7071')).toBe('::1');
    expect(hostName('127.0.0.1')).toBe('127.0.0.1');
  });
});

describe('isLoopbackHost', () => {
  it('accepts loopback names and the bound address, nothing else', () => {
    for (const host of ['localhost:1', '127.0.0.1:1', '127.9.8.7', '[::1]:1'])
      expect(isLoopbackHost(host, '127.0.0.1')).toBe(true);
    expect(isLoopbackHost('[::1]:7071', '::1')).toBe(true);
    for (const host of ['evil.example', 'localhost.evil.example', '127.0.0.1.evil.example', '', undefined])
      expect(isLoopbackHost(host, '127.0.0.1')).toBe(false);
  });
});

describe('crossOrigin', () => {
  it('refuses another Origin and cross-site or same-site fetches; lets same-origin and header-less requests through', () => {
    expect(crossOrigin(request({ origin: 'http://127.0.0.1:7071' }), '127.0.0.1:7071')).toBeUndefined();
    expect(crossOrigin(request({ 'sec-fetch-site': 'same-origin' }), '127.0.0.1:7071')).toBeUndefined();
    expect(crossOrigin(request({ 'sec-fetch-site': 'none' }), '127.0.0.1:7071')).toBeUndefined();
    expect(crossOrigin(request({}), '127.0.0.1:7071')).toBeUndefined();
    expect(crossOrigin(request({ origin: 'http://127.0.0.1:8080' }), '127.0.0.1:7071')).toContain('Origin');
    expect(crossOrigin(request({ origin: 'https://127.0.0.1:7071' }), '127.0.0.1:7071')).toContain('Origin');
    expect(crossOrigin(request({ 'sec-fetch-site': 'same-site' }), '127.0.0.1:7071')).toContain('same-site');
  });
});
