/**
 * The control-plane double's PKI: an ECDSA P-256 CA (as a kubeadm cluster has a CA), its serving and client
 * certificates, and PKCS#10 requests read and verified the way kube-controller-manager's signer reads them.
 * DER is built by hand (der.ts) and every key operation is node:crypto, so no X.509 package is needed.
 */

import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import {
  TAG,
  decodeOid,
  encodeBitString,
  encodeBoolean,
  encodeExplicit,
  encodeImplicit,
  encodeNamedBits,
  encodeOctetString,
  encodeOid,
  encodeSequence,
  encodeSet,
  encodeTime,
  encodeUnsigned,
  encodeUtf8,
  expectTag,
  readChildren,
  readDocument,
  type DerElement,
} from './der.js';

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  extensionRequest: '1.2.840.113549.1.9.14',
} as const;

/** Signature algorithms a CSR may use, with the digest node:crypto needs (null: the algorithm hashes itself). */
const SIGNATURE_DIGESTS: Readonly<Record<string, string | null>> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null,
};

const KEY_USAGE_BITS = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/** A distinguished name as ordered [attribute, value] pairs, e.g. [['O', 'system:nodes'], ['CN', 'system:node:a']]. */
export type DistinguishedName = ReadonlyArray<readonly ['CN' | 'O', string]>;

export function encodePem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The DER inside the first PEM block with `label`; throws naming the label when there is none. */
export function decodePem(pem: string, label: string): Buffer {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match) throw new Error(`PEM block type must be ${label}`);
  return Buffer.from((match[1] as string).replace(/\s+/g, ''), 'base64');
}

function encodeName(name: DistinguishedName): Buffer {
  const rdns = name.map(([type, value]) => encodeSet(encodeSequence(encodeOid(type === 'CN' ? OID.commonName : OID.organization), encodeUtf8(value))));
  return encodeSequence(...rdns);
}

function encodeExtension(oid: string, critical: boolean, value: Buffer): Buffer {
  return encodeSequence(encodeOid(oid), ...(critical ? [encodeBoolean(true)] : []), encodeOctetString(value));
}

function encodeSubjectAltNames(dnsNames: readonly string[], ips: readonly string[]): Buffer {
  const ipBytes = (ip: string) => (isIP(ip) === 4 ? Buffer.from(ip.split('.').map(Number)) : Buffer.from(expandIpv6(ip), 'hex'));
  return encodeSequence(...dnsNames.map((dns) => encodeImplicit(2, Buffer.from(dns, 'ascii'))), ...ips.map((ip) => encodeImplicit(7, ipBytes(ip))));
}

function expandIpv6(ip: string): string {
  const [head = '', tail = ''] = ip.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const missing = 8 - groups(head).length - groups(tail).length;
  return [...groups(head), ...Array<string>(ip.includes('::') ? missing : 0).fill('0'), ...groups(tail)].map((g) => g.padStart(4, '0')).join('');
}

const spkiOf = (key: KeyObject): Buffer => key.export({ type: 'spki', format: 'der' });

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spki: Buffer): Buffer {
  const [, bits] = readChildren(readDocument(spki));
  return createHash('sha1').update(expectTag(bits, TAG.bitString, 'SubjectPublicKeyInfo').content.subarray(1)).digest();
}

function signTbs(tbs: Buffer, key: KeyObject): Buffer {
  const signature = sign('sha256', tbs, key);
  return encodeSequence(tbs, encodeSequence(encodeOid(OID.ecdsaWithSha256)), encodeBitString(signature));
}

export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
  key: KeyObject;
  subject: DistinguishedName;
  keyId: Buffer;
}

export interface IssueOptions {
  subject: DistinguishedName;
  publicKey: KeyObject;
  /** Server: serverAuth with these SANs; client: clientAuth. */
  purpose: 'server' | 'client';
  dnsNames?: readonly string[];
  ips?: readonly string[];
  /** Adds keyEncipherment (RSA client keys, as the CSR asked). */
  keyEncipherment?: boolean;
  validitySeconds: number;
}

function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x01;
  return serial;
}

function buildCertificate(
  subject: DistinguishedName,
  issuer: DistinguishedName,
  publicKey: KeyObject,
  extensions: Buffer[],
  validitySeconds: number,
  signingKey: KeyObject,
): string {
  // Backdated a minute, like kube-controller-manager's signer, so clock skew does not make it "not yet valid".
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + validitySeconds * 1000);
  const tbs = encodeSequence(
    encodeExplicit(0, encodeUnsigned(2)),
    encodeUnsigned(randomSerial()),
    encodeSequence(encodeOid(OID.ecdsaWithSha256)),
    encodeName(issuer),
    encodeSequence(encodeTime(notBefore), encodeTime(notAfter)),
    encodeName(subject),
    spkiOf(publicKey),
    encodeExplicit(3, encodeSequence(...extensions)),
  );
  return encodePem('CERTIFICATE', signTbs(tbs, signingKey));
}

export function generateEcKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/** A self-signed CA, CN=kubernetes like kubeadm's, valid ten years. */
export function createCertificateAuthority(commonName = 'kubernetes'): CertificateAuthority {
  const { privateKey, publicKey } = generateEcKey();
  const subject: DistinguishedName = [['CN', commonName]];
  const keyId = keyIdentifier(spkiOf(publicKey));
  const certPem = buildCertificate(
    subject,
    subject,
    publicKey,
    [
      encodeExtension(OID.keyUsage, true, encodeNamedBits([KEY_USAGE_BITS.digitalSignature, KEY_USAGE_BITS.keyEncipherment, KEY_USAGE_BITS.keyCertSign])),
      encodeExtension(OID.basicConstraints, true, encodeSequence(encodeBoolean(true))),
      encodeExtension(OID.subjectKeyId, false, encodeOctetString(keyId)),
    ],
    10 * 365 * 86_400,
    privateKey,
  );
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), key: privateKey, subject, keyId };
}

export function issueCertificate(ca: CertificateAuthority, options: IssueOptions): string {
  const usage = [KEY_USAGE_BITS.digitalSignature, ...(options.keyEncipherment ? [KEY_USAGE_BITS.keyEncipherment] : [])];
  const extensions = [
    encodeExtension(OID.keyUsage, true, encodeNamedBits(usage)),
    encodeExtension(OID.extKeyUsage, false, encodeSequence(encodeOid(options.purpose === 'server' ? OID.serverAuth : OID.clientAuth))),
    encodeExtension(OID.basicConstraints, true, encodeSequence()),
    encodeExtension(OID.authorityKeyId, false, encodeSequence(encodeImplicit(0, ca.keyId))),
  ];
  if (options.purpose === 'server') extensions.push(encodeExtension(OID.subjectAltName, false, encodeSubjectAltNames(options.dnsNames ?? [], options.ips ?? [])));
  return buildCertificate(options.subject, ca.subject, options.publicKey, extensions, options.validitySeconds, ca.key);
}

/** kubeadm's pin: sha256 over the CA's DER SubjectPublicKeyInfo. */
export function computeCaPin(certPem: string): string {
  return `sha256:${createHash('sha256').update(spkiOf(new X509Certificate(certPem).publicKey)).digest('hex')}`;
}

/** A PKCS#10 request signed with `privateKey` (EC P-256), optionally asking for DNS/IP SANs. Test helper. */
export function createCertificateRequest(subject: DistinguishedName, privateKey: KeyObject, sans: { dnsNames?: string[]; ips?: string[] } = {}): string {
  const attributes: Buffer[] = [];
  if ((sans.dnsNames?.length ?? 0) + (sans.ips?.length ?? 0) > 0) {
    const extensions = encodeSequence(encodeExtension(OID.subjectAltName, false, encodeSubjectAltNames(sans.dnsNames ?? [], sans.ips ?? [])));
    attributes.push(encodeSequence(encodeOid(OID.extensionRequest), encodeSet(extensions)));
  }
  const info = encodeSequence(encodeUnsigned(0), encodeName(subject), spkiOf(createPublicKey(privateKey)), encodeExplicit(0, Buffer.concat(attributes)));
  return encodePem('CERTIFICATE REQUEST', signTbs(info, privateKey));
}

export interface ParsedCsr {
  commonName: string;
  organizations: string[];
  publicKey: KeyObject;
  keyType: string;
  /** Every subjectAltName entry, as "DNS:x", "IP:...", "email:x", "URI:x" or "other". */
  subjectAltNames: string[];
}

function readName(name: Buffer): { commonName: string; organizations: string[] } {
  const result = { commonName: '', organizations: [] as string[] };
  for (const rdn of readChildren(readDocument(name))) {
    for (const attribute of readChildren(rdn)) {
      const [type, value] = readChildren(attribute);
      const oid = decodeOid(expectTag(type, TAG.oid, 'name attribute').content);
      const text = value?.content.toString('utf8') ?? '';
      if (oid === OID.commonName) result.commonName = text;
      if (oid === OID.organization) result.organizations.push(text);
    }
  }
  return result;
}

function readRequestedSans(attributes: readonly DerElement[]): string[] {
  const names: string[] = [];
  for (const attribute of attributes) {
    const [type, values] = readChildren(attribute);
    if (decodeOid(expectTag(type, TAG.oid, 'CSR attribute').content) !== OID.extensionRequest || !values) continue;
    for (const extensions of readChildren(values)) {
      for (const extension of readChildren(extensions)) {
        const parts = readChildren(extension);
        if (decodeOid(expectTag(parts[0], TAG.oid, 'extension').content) !== OID.subjectAltName) continue;
        const value = expectTag(parts.at(-1), TAG.octetString, 'extension value');
        for (const general of readChildren(readDocument(value.content))) {
          const kind = { 0x81: 'email', 0x82: 'DNS', 0x86: 'URI', 0x87: 'IP' }[general.tag] ?? 'other';
          if (kind === 'IP') names.push(`IP:${general.content.length === 4 ? [...general.content].join('.') : general.content.toString('hex')}`);
          else names.push(kind === 'other' ? 'other' : `${kind}:${general.content.toString('ascii')}`);
        }
      }
    }
  }
  return names;
}

/** Parses a PEM CSR and checks its self-signature; throws a one-line reason on anything wrong. */
export function parseCertificateRequest(pem: string): ParsedCsr {
  const der = decodePem(pem, 'CERTIFICATE REQUEST');
  const [info, algorithm, signature] = readChildren(expectTag(readDocument(der), TAG.sequence, 'CSR'));
  const fields = readChildren(expectTag(info, TAG.sequence, 'CertificationRequestInfo'));
  const [, subject, spki, attributes] = fields;
  const algorithmOid = decodeOid(expectTag(readChildren(expectTag(algorithm, TAG.sequence, 'signature algorithm'))[0], TAG.oid, 'algorithm').content);
  const digest = SIGNATURE_DIGESTS[algorithmOid];
  if (digest === undefined) throw new Error(`unsupported signature algorithm ${algorithmOid}`);
  const publicKey = createPublicKey({ key: expectTag(spki, TAG.sequence, 'SubjectPublicKeyInfo').raw, format: 'der', type: 'spki' });
  const signatureBits = expectTag(signature, TAG.bitString, 'signature').content.subarray(1);
  if (!verify(digest, (info as DerElement).raw, publicKey, signatureBits)) throw new Error('x509: ECDSA verification failure');
  const name = readName(expectTag(subject, TAG.sequence, 'subject').raw);
  const sans = attributes && attributes.tag === 0xa0 ? readRequestedSans(readChildren(attributes)) : [];
  return { ...name, publicKey, keyType: publicKey.asymmetricKeyType ?? 'unknown', subjectAltNames: sans };
}
