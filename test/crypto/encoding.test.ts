// The byte <-> text helpers every request uses (the token's hash in hex, a
// sealed secret in base64), checked against independent encodings on each
// runtime: RFC 4648's test vectors, and every byte value.
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, bytesToBase64Url, bytesToHex, sha256Hex, utf8 } from '../../src/crypto/encoding';

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

describe('encoding', () => {
  it('base64: the RFC 4648 vectors, and back', () => {
    const vectors: [string, string][] = [['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'], ['foob', 'Zm9vYg=='], ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy']];
    for (const [text, base64] of vectors) {
      expect(bytesToBase64(utf8.encode(text))).toBe(base64);
      expect(base64ToBytes(base64)).toEqual(utf8.encode(text));
    }
  });

  it('base64: every byte value, and long inputs', () => {
    // Python's base64.b64encode(bytes(range(256))).
    expect(bytesToBase64(ALL_BYTES)).toBe(
      'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdo' +
        'aWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR' +
        '0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==',
    );
    for (const length of [8191, 8192, 8193, 3 * 8192 + 5]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 131 + 7) % 256);
      const encoded = bytesToBase64(bytes);
      expect(encoded.length).toBe(Math.ceil(length / 3) * 4);
      expect(base64ToBytes(encoded)).toEqual(bytes);
    }
  });

  it('base64url: no padding, - and _ for + and /', () => {
    expect(bytesToBase64Url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(bytesToBase64Url(utf8.encode('f'))).toBe('Zg');
  });

  it('hex: two lower-case digits per byte, every byte value', () => {
    expect(bytesToHex(new Uint8Array([0, 1, 0x0f, 0x10, 0xab, 0xff]))).toBe('00010f10abff');
    const hex = bytesToHex(ALL_BYTES);
    expect(hex).toHaveLength(512);
    for (let i = 0; i < 256; i++) expect(Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)).toBe(i);
  });

  it('sha256Hex: the FIPS 180-2 vector for "abc"', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
