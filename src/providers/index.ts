import { fileProvider } from './file.js';
import { kubeadmProvider } from './kubeadm.js';
import { scalewayProvider } from './scaleway.js';
import type { ControlPlaneProvider } from './types.js';

/** The control planes kjoin can join; a new kind is one new file and one line here. */
const PROVIDERS: Readonly<Record<ControlPlaneProvider['name'], ControlPlaneProvider>> = {
  kubeadm: kubeadmProvider,
  scaleway: scalewayProvider,
  file: fileProvider,
};

export function providerFor(name: ControlPlaneProvider['name']): ControlPlaneProvider {
  return PROVIDERS[name];
}

export { SCALEWAY_API_ASSUMPTIONS } from './scaleway.js';
export type { ClusterDiscovery, ControlPlaneProvider, JoinCredentials, ProviderContext, WireguardPeer } from './types.js';
