import { describe, expect, it } from 'vitest';
import { checkReachability, parseEndpointUrl, selectEndpoints } from '../../../src/preflight/reachability.js';
import { makeConfig, makeContext } from './context.js';

const SELF_SIGNED = {
  authorized: false,
  authorizationError: 'self-signed certificate in certificate chain',
  authorizationCode: 'SELF_SIGNED_CERT_IN_CHAIN',
};

function kubeadmContext(server = 'https://cp.example.net:6443') {
  return makeContext({ config: makeConfig({ server }) });
}

describe('selectEndpoints', () => {
  it('probes nothing without a config or a server', () => {
    expect(selectEndpoints(null)).toEqual([]);
    expect(selectEndpoints(makeConfig())).toEqual([]);
  });

  it('probes the Scaleway API for the scaleway provider, default URL unless set', () => {
    expect(selectEndpoints(makeConfig({ provider: 'scaleway' }))[0]).toMatchObject({ url: 'https://api.scaleway.com', trust: 'public' });
    const custom = makeConfig({ provider: 'scaleway', scaleway: { apiUrl: 'https://api.fr-par.example' } });
    expect(selectEndpoints(custom)[0]?.url).toBe('https://api.fr-par.example');
  });

  it('parses host and port, IPv6 included', () => {
    expect(parseEndpointUrl('https://cp.example.net:6443')).toEqual({ host: 'cp.example.net', port: 6443 });
    expect(parseEndpointUrl('https://[2001:db8::10]:6443')).toEqual({ host: '2001:db8::10', port: 6443 });
    expect(parseEndpointUrl('https://api.scaleway.com')).toEqual({ host: 'api.scaleway.com', port: 443 });
  });
});

describe('control plane reachability (kubeadm)', () => {
  it('fails on DNS and stops there', async () => {
    const ctx = kubeadmContext();
    const outcomes = await checkReachability(ctx);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ id: 'control-plane-dns', status: 'fail' });
    expect(outcomes[0]?.message).toContain('cannot resolve cp.example.net');
    expect(outcomes[0]?.remediation).toContain('check DNS');
    expect(outcomes[0]?.remediation).toContain('https://cp.example.net:6443');
  });

  it('fails on TCP naming host:port and firewalls', async () => {
    const ctx = kubeadmContext();
    ctx.net.addHost('cp.example.net', ['203.0.113.10']);
    const outcomes = await checkReachability(ctx);
    expect(outcomes.map((o) => [o.id, o.status])).toEqual([
      ['control-plane-dns', 'ok'],
      ['control-plane-tcp', 'fail'],
    ]);
    expect(outcomes[1]?.message).toContain('cp.example.net:6443');
    expect(outcomes[1]?.remediation).toContain('check firewalls / security groups');
  });

  it('warns, not fails, on a certificate from the cluster CA and asks the system store only', async () => {
    const ctx = kubeadmContext();
    ctx.net.addHost('cp.example.net', ['203.0.113.10']).listen('cp.example.net', 6443, SELF_SIGNED);
    const outcomes = await checkReachability(ctx);
    const tls = outcomes.find((o) => o.id === 'control-plane-tls');
    expect(tls?.status).toBe('warn');
    expect(tls?.message).toContain('not signed by a public CA');
    expect(tls?.message).toContain('--discovery-token-ca-cert-hash');
    const call = ctx.net.calls.find((c) => c.method === 'tlsHandshake');
    expect(call?.tls?.ca).toBeUndefined();
  });

  it('is ok when the certificate verifies', async () => {
    const ctx = kubeadmContext('https://203.0.113.10:6443');
    ctx.net.listen('203.0.113.10', 6443, { authorized: true, peerSubject: 'CN=kube-apiserver', validTo: 'Nov 22 10:00:00 2027 GMT' });
    const outcomes = await checkReachability(ctx);
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'ok']);
    expect(outcomes[2]?.message).toBe('certificate for CN=kube-apiserver verified, valid until Nov 22 10:00:00 2027 GMT');
  });

  it('fails when the port does not speak TLS', async () => {
    const ctx = kubeadmContext();
    ctx.net.addHost('cp.example.net', ['203.0.113.10']).listen('cp.example.net', 6443, null);
    const tls = (await checkReachability(ctx)).find((o) => o.id === 'control-plane-tls');
    expect(tls?.status).toBe('fail');
    expect(tls?.message).toContain('TLS handshake with cp.example.net:6443 failed');
  });

  it('points at the clock when the certificate is not yet valid', async () => {
    const ctx = makeContext({ config: makeConfig({ server: 'https://cp.example.net:6443' }), now: '2024-02-01T00:00:00.000Z' });
    ctx.net.addHost('cp.example.net', ['203.0.113.10']).listen('cp.example.net', 6443, {
      authorized: false,
      authorizationError: 'certificate is not yet valid',
      authorizationCode: 'CERT_NOT_YET_VALID',
    });
    const tls = (await checkReachability(ctx)).find((o) => o.id === 'control-plane-tls');
    expect(tls?.status).toBe('fail');
    expect(tls?.message).toContain('2024-02-01T00:00:00.000Z');
    expect(tls?.remediation).toContain('clock');
  });

  it('fails when the certificate does not name the host', async () => {
    const ctx = kubeadmContext();
    ctx.net.addHost('cp.example.net', ['203.0.113.10']).listen('cp.example.net', 6443, {
      authorized: false,
      authorizationError: "Hostname/IP does not match certificate's altnames: Host: cp.example.net. is not in the cert's altnames: DNS:kubernetes",
      authorizationCode: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    const tls = (await checkReachability(ctx)).find((o) => o.id === 'control-plane-tls');
    expect(tls?.status).toBe('fail');
    expect(tls?.remediation).toContain('subject alternative names');
  });
});

describe('Scaleway API reachability', () => {
  it('fails strictly on an unverified certificate', async () => {
    const ctx = makeContext({ config: makeConfig({ provider: 'scaleway' }) });
    ctx.net.addHost('api.scaleway.com', ['62.210.0.1']).listen('api.scaleway.com', 443, SELF_SIGNED);
    const outcomes = await checkReachability(ctx);
    expect(outcomes.map((o) => [o.id, o.status])).toEqual([
      ['scaleway-api-dns', 'ok'],
      ['scaleway-api-tcp', 'ok'],
      ['scaleway-api-tls', 'fail'],
    ]);
    expect(outcomes[2]?.message).toContain('self-signed certificate in certificate chain');
  });

  it('is ok against a custom API URL with a verified certificate', async () => {
    const ctx = makeContext({ config: makeConfig({ provider: 'scaleway', scaleway: { apiUrl: 'https://api.example.fr:8443' } }) });
    ctx.net.addHost('api.example.fr', ['198.51.100.7']).listen('api.example.fr', 8443, { authorized: true });
    expect((await checkReachability(ctx)).map((o) => o.status)).toEqual(['ok', 'ok', 'ok']);
    expect(ctx.net.calls.filter((c) => c.method === 'connectTcp')).toEqual([{ method: 'connectTcp', host: 'api.example.fr', port: 8443 }]);
  });
});
