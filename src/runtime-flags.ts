/**
 * Node flags kjoin runs with (the shebang of dist/kjoin.js, the e2e wrapper, the single binaries). kjoin waits on
 * apt and downloads, never on JavaScript speed, while a 1 GB VM must keep its memory for the kubelet: a small young
 * generation and no optimising compiler take its peak RSS from about 97 MiB to under 80 MiB (npm run bench).
 */
export const RUNTIME_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--lite-mode', '--no-expose-wasm', '--v8-pool-size=1'];
