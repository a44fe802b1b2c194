/**
 * Just enough ASN.1 DER to build and read X.509 certificates and PKCS#10 requests with node:crypto doing the
 * keys and signatures (X.690). Written for the control-plane double; not a general parser: it rejects
 * indefinite lengths and anything longer than the buffer instead of guessing.
 */

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function encodeTlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export const encodeSequence = (...items: Buffer[]): Buffer => encodeTlv(TAG.sequence, Buffer.concat(items));

/** A SET OF: DER wants the encodings sorted. */
export const encodeSet = (...items: Buffer[]): Buffer => encodeTlv(TAG.set, Buffer.concat([...items].sort(Buffer.compare)));

/** A non-negative INTEGER from its big-endian magnitude (a leading 0x00 is added when the top bit is set). */
export function encodeUnsigned(magnitude: Buffer | number): Buffer {
  let bytes = typeof magnitude === 'number' ? Buffer.from([magnitude]) : magnitude;
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && ((bytes[start + 1] as number) & 0x80) === 0) start++;
  bytes = bytes.subarray(start);
  if (((bytes[0] as number) & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return encodeTlv(TAG.integer, bytes);
}

export function encodeOid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = parts;
  const bytes: number[] = [first * 40 + second];
  for (const part of rest) {
    const groups: number[] = [part & 0x7f];
    for (let value = Math.floor(part / 128); value > 0; value = Math.floor(value / 128)) groups.unshift((value & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return encodeTlv(TAG.oid, Buffer.from(bytes));
}

export const encodeNull = (): Buffer => encodeTlv(TAG.null, Buffer.alloc(0));
export const encodeBoolean = (value: boolean): Buffer => encodeTlv(TAG.boolean, Buffer.from([value ? 0xff : 0]));
export const encodeOctetString = (bytes: Buffer): Buffer => encodeTlv(TAG.octetString, bytes);
export const encodeUtf8 = (text: string): Buffer => encodeTlv(TAG.utf8String, Buffer.from(text, 'utf8'));

/** A BIT STRING whose bits fill whole bytes (keys, signatures). */
export const encodeBitString = (bytes: Buffer): Buffer => encodeTlv(TAG.bitString, Buffer.concat([Buffer.from([0]), bytes]));

/** A named-bit BIT STRING (KeyUsage): bit 0 is the most significant; trailing zero bits are dropped (X.690 11.2.2). */
export function encodeNamedBits(bits: readonly number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)] = (bytes[Math.floor(bit / 8)] as number) | (0x80 >> bit % 8);
  return encodeTlv(TAG.bitString, Buffer.concat([Buffer.from([7 - (highest % 8)]), bytes]));
}

/** UTCTime through 2049, GeneralizedTime after, as RFC 5280 4.1.2.5 requires. */
export function encodeTime(date: Date): Buffer {
  const iso = date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:T]/g, '');
  const year = date.getUTCFullYear();
  return year < 2050 ? encodeTlv(TAG.utcTime, Buffer.from(iso.slice(2), 'ascii')) : encodeTlv(TAG.generalizedTime, Buffer.from(iso, 'ascii'));
}

/** [n] EXPLICIT: a constructed context tag around one element. */
export const encodeExplicit = (n: number, content: Buffer): Buffer => encodeTlv(0xa0 | n, content);
/** [n] IMPLICIT over a primitive value. */
export const encodeImplicit = (n: number, bytes: Buffer): Buffer => encodeTlv(0x80 | n, bytes);

export interface DerElement {
  tag: number;
  /** The content octets. */
  content: Buffer;
  /** The whole element, tag and length included (what a signature covers). */
  raw: Buffer;
}

export function readElement(buffer: Buffer, offset = 0): DerElement {
  const fail = (why: string): never => {
    throw new Error(`malformed DER at byte ${offset}: ${why}`);
  };
  if (offset + 2 > buffer.length) fail('truncated header');
  const tag = buffer[offset] as number;
  if ((tag & 0x1f) === 0x1f) fail('high tag numbers are not supported');
  let length = buffer[offset + 1] as number;
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) fail('indefinite or oversized length');
    if (offset + 2 + count > buffer.length) fail('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buffer[offset + 2 + i] as number);
    header += count;
  }
  const end = offset + header + length;
  if (end > buffer.length) fail('length runs past the end');
  return { tag, content: buffer.subarray(offset + header, end), raw: buffer.subarray(offset, end) };
}

/** The elements inside a constructed element, which must fill it exactly. */
export function readChildren(element: DerElement): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = 0; offset < element.content.length; ) {
    const child = readElement(element.content, offset);
    children.push(child);
    offset += child.raw.length;
  }
  return children;
}

/** Reads one element that must span the whole buffer. */
export function readDocument(buffer: Buffer): DerElement {
  const element = readElement(buffer);
  if (element.raw.length !== buffer.length) throw new Error('malformed DER: trailing bytes after the top-level element');
  return element;
}

export function decodeOid(content: Buffer): string {
  const first = content[0] ?? 0;
  const parts = [Math.floor(first / 40), first % 40];
  let value = 0;
  for (const byte of content.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

export function expectTag(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (!element || element.tag !== tag) throw new Error(`malformed ${what}: expected tag 0x${tag.toString(16)}, found ${element ? `0x${element.tag.toString(16)}` : 'nothing'}`);
  return element;
}
