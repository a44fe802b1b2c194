import { describe, expect, it } from 'vitest';
import { parse as parseYamlPackage, stringify } from 'yaml';
import { buildKubeletConfig, renderBootstrapKubeconfig, renderKubeletConfig } from '../../../src/render/index.js';
import type { KubeletConfigInput } from '../../../src/render/index.js';
import { parseFlags, parseYaml, validateNodeLabels } from '../../doubles/kubelet/kubelet.mjs';

const CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBdzCCAR2gAwIBAgIUJ4c8eO5p1XRlfJ6E3s3bQ0GkU9owCgYIKoZIzj0EAwIw
ETEPMA0GA1UEAwwGdGVzdGNhMB4XDTI0MDEwMTAwMDAwMFoXDTI0MDEwMzAwMDAw
-----END CERTIFICATE-----
`;

/** A spread of inputs covering every shape renderKubeletConfig can emit: both drivers, taints with and without
 * values, v4 and v6 DNS, provider fields of every YAML kind (maps, lists, nested lists of maps, numbers, bools,
 * strings that need quotes, multi-line strings). */
const CONFIG_INPUTS: KubeletConfigInput[] = [
  { systemdCgroup: true, systemdResolved: true },
  { systemdCgroup: false, systemdResolved: false, clusterDNS: ['10.96.0.10', 'fd00:10:96::a'], clusterDomain: 'cluster.example' },
  {
    systemdCgroup: true,
    systemdResolved: false,
    providerID: 'scaleway://instance/fr-par-1/0d3b5c2e',
    taints: [
      { key: 'node.kubernetes.io/external', effect: 'NoSchedule' },
      { key: 'dedicated', value: 'gpu', effect: 'NoExecute' },
      { key: 'example.com/empty', value: '', effect: 'PreferNoSchedule' },
    ],
  },
  {
    systemdCgroup: true,
    systemdResolved: true,
    overrides: {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      maxPods: 58,
      podPidsLimit: -1,
      memoryThrottlingFactor: 0.8,
      evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '10%' },
      featureGates: { GracefulNodeShutdown: true, InPlacePodVerticalScaling: false },
      shutdownGracePeriod: '30s',
      shutdownGracePeriodByPodPriority: [{ priority: 2000000000, shutdownGracePeriodSeconds: 10 }, { priority: 0, shutdownGracePeriodSeconds: 30 }],
      logging: { format: 'json', flushFrequency: '5s', options: { json: { infoBufferSize: '0' } } },
      tlsCipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
      allowedUnsafeSysctls: [],
      kubeReserved: { cpu: '100m', memory: '0' },
      systemReservedCgroup: '',
      staticPodURLHeader: { 'X-Note': ['a: b', '#hash', 'multi\nline'] },
      reservedSystemCPUs: '0-1',
    },
  },
];

describe('kubelet double YAML reader', () => {
  it.each(CONFIG_INPUTS.map((input, index) => [index, input] as const))('reads rendered kubelet config #%i back to the same data', (_index, input) => {
    const text = renderKubeletConfig(input);
    expect(parseYaml(text)).toEqual(buildKubeletConfig(input));
    // And agrees with the yaml package on it, so the comparison is not only against our own build step.
    expect(parseYaml(text)).toEqual(parseYamlPackage(text));
  });

  it('reads the rendered bootstrap kubeconfig like the yaml package does', () => {
    const text = renderBootstrapKubeconfig({ server: 'https://10.0.0.1:6443', caPem: CA_PEM, token: 'abcdef.0123456789abcdef' });
    const parsed = parseYaml(text) as { users: Array<{ user: { token: string } }>; preferences: unknown };
    expect(parsed).toEqual(parseYamlPackage(text));
    expect(parsed.users[0]?.user.token).toBe('abcdef.0123456789abcdef');
    expect(parsed.preferences).toEqual({});
  });

  it('resolves plain scalars as go-yaml v2 (YAML 1.1) does, unlike the yaml package', () => {
    // The yaml package writes these strings unquoted; kubelet's decoder reads them as booleans and numbers.
    const text = stringify({ a: 'on', b: 'yes', c: 'Off', d: '1_000', e: 'plain', f: 'true' }, { lineWidth: 0 });
    expect(parseYaml(text)).toEqual({ a: true, b: true, c: false, d: 1000, e: 'plain', f: 'true' });
    expect(parseYaml('octal: 010\nhex: 0x1F\nneg: -3\nfloat: 1.5e3\nnothing: ~\nempty:\n')).toEqual({
      octal: 8, hex: 31, neg: -3, float: 1500, nothing: null, empty: null,
    });
    // Keys too: sigs.k8s.io/yaml turns a boolean key into its JSON text.
    expect(parseYaml('on: 1\nn: 2\n')).toEqual({ true: 1, false: 2 });
  });

  it('reads quoting, flow collections, comments and block scalars', () => {
    const text = [
      '---',
      '# comment',
      'dq: "tab\\there \\"q\\" \\u00e9"',
      "sq: 'it''s'",
      'flow: [a, "b, c", 3]',
      'map: {x: 1, "y z": two}',
      'trail: value # comment',
      'block: |',
      '  line one',
      '    indented',
      'list:',
      '- k: v',
      '  nums:',
      '    - 1',
      '- scalar',
      '- {inline: map}',
      '- outer:',
      '  - indentless',
      'constructor: plain key',
      '',
    ].join('\n');
    expect(parseYaml(text)).toEqual({
      dq: 'tab\there "q" é',
      sq: "it's",
      flow: ['a', 'b, c', 3],
      map: { x: 1, 'y z': 'two' },
      trail: 'value',
      block: 'line one\n  indented\n',
      list: [{ k: 'v', nums: [1] }, 'scalar', { inline: 'map' }, { outer: ['indentless'] }],
      constructor: 'plain key',
    });
  });

  it.each([
    ['an anchor', 'a: &x 1\nb: *x\n', /anchors, aliases, tags/],
    ['a duplicate key', 'a: 1\nb: 2\na: 3\n', /line 3: key "a" already set in map/],
    ['a tab in the indentation', 'a:\n\tb: 1\n', /line 2: found character that cannot start any token/],
    ['two documents', 'a: 1\n---\nb: 2\n', /only one YAML document/],
    ['a folded block', 'a: >\n  text\n', /block scalar ">" is not supported/],
    ['a bad indentation', 'a: 1\n   b: 2\n', /line 2: mapping values are not allowed/],
    ['an unterminated quote', 'a: "open\n', /unexpected end of stream/],
    ['text after a quoted value', 'a: "x" y\n', /did not find expected key/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseYaml(text)).toThrow(message);
  });
});

describe('kubelet double flag parser', () => {
  it('takes pflag forms: --f=v, --f v, bare booleans, -v N, -vN, underscores, repeated maps', () => {
    const { values, args } = parseFlags([
      '--kubeconfig', '/k', '--config=/c', '--v', '2', '--exit-on-lock-contention', '--node_labels=a=b', '--node-labels', 'c=d,e=',
      '--seccomp-default=false', '--', 'rest',
    ]);
    expect(Object.fromEntries(values)).toEqual({
      kubeconfig: '/k', config: '/c', v: 2, 'exit-on-lock-contention': true, 'node-labels': { a: 'b', c: 'd', e: '' }, 'seccomp-default': false,
    });
    expect(args).toEqual(['rest']);
    expect(parseFlags(['-v3']).values.get('v')).toBe(3);
    expect(parseFlags(['-v=4']).values.get('v')).toBe(4);
    expect(parseFlags(['-v', '5']).values.get('v')).toBe(5);
  });

  it('leaves "false" after a bare boolean as an argument, as pflag does', () => {
    expect(parseFlags(['--exit-on-lock-contention', 'false']).args).toEqual(['false']);
  });

  it.each([
    [['--network-plugin=cni'], 'failed to parse kubelet flag: unknown flag: --network-plugin'],
    [['--container-runtime', 'remote'], 'failed to parse kubelet flag: unknown flag: --container-runtime'],
    [['--cni-bin-dir=/opt/cni/bin'], 'failed to parse kubelet flag: unknown flag: --cni-bin-dir'],
    [['--keep-terminated-pod-volumes'], 'failed to parse kubelet flag: unknown flag: --keep-terminated-pod-volumes'],
    [['-x'], "failed to parse kubelet flag: unknown shorthand flag: 'x' in -x"],
    [['--kubeconfig'], 'failed to parse kubelet flag: flag needs an argument: --kubeconfig'],
    [['---config=x'], 'failed to parse kubelet flag: bad flag syntax: ---config=x'],
    [['--v=high'], 'failed to parse kubelet flag: invalid argument "high" for "--v" flag: strconv.ParseInt: parsing "high": invalid syntax'],
    [['--node-labels=novalue'], 'failed to parse kubelet flag: invalid argument "novalue" for "--node-labels" flag: malformed pair, expect string=string'],
    [['--exit-on-lock-contention=maybe'], 'invalid argument "maybe" for "--exit-on-lock-contention" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseFlags(argv)).toThrow(message);
  });
});

describe('kubelet double node label check', () => {
  it('accepts custom labels and the kubernetes.io labels kubelet may set', () => {
    expect(() =>
      validateNodeLabels({
        'kjoin.io/provider': 'scaleway',
        'topology.kubernetes.io/zone': 'fr-par-1',
        'node.kubernetes.io/instance-type': 'DEV1-S',
        'pool.node.kubernetes.io/name': 'edge',
        'kubelet.kubernetes.io/anything': '',
        plain: 'x',
      }),
    ).not.toThrow();
  });

  it('refuses other kubernetes.io and k8s.io labels, listing them sorted', () => {
    expect(() => validateNodeLabels({ 'node-role.kubernetes.io/worker': '', 'example.k8s.io/x': 'y', ok: 'z' })).toThrow(
      "unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [example.k8s.io/x node-role.kubernetes.io/worker]",
    );
  });

  it('refuses keys and values that are not valid label syntax', () => {
    expect(() => validateNodeLabels({ 'Bad_Prefix/name': 'v' })).toThrow("invalid node labels: 'Bad_Prefix/name' - prefix part a lowercase RFC 1123 subdomain");
    expect(() => validateNodeLabels({ key: 'has space' })).toThrow("invalid node labels: 'has space' - a valid label must be an empty string");
    expect(() => validateNodeLabels({ key: 'x'.repeat(64) })).toThrow('must be no more than 63 characters');
  });
});
