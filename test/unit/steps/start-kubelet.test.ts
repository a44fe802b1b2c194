import { describe, expect, it } from 'vitest';
import { FakeSystemd } from '../../../src/platform/fake-systemd.js';
import { startKubeletStep } from '../../../src/steps/start-kubelet.js';
import { expectConverged, loadTestConfig, makeHarness, type StepHarness } from './step-context.js';

const UNIT = 'kubelet.service';

/** A host where the kubelet step installed the kubelet (recorded at the clock's current time). */
async function makeHost(kubeletActive: boolean): Promise<StepHarness> {
  const h = makeHarness({ config: await loadTestConfig(), systemd: new FakeSystemd({ kubelet: { active: kubeletActive, enabled: 'enabled' } }) });
  h.state.recordComponent('kubelet', { version: '1.31.2', units: [UNIT] }, h.clock.now());
  h.clock.advance(5_000);
  return h;
}

describe('start-kubelet step', () => {
  it('plans a restart of kubelet.service', async () => {
    const h = await makeHost(false);
    expect((await startKubeletStep.plan(h.context())).commands).toEqual([['systemctl', 'restart', UNIT]]);
  });

  it('starts an inactive kubelet and records when it did', async () => {
    const h = await makeHost(false);
    expect(await startKubeletStep.check(h.context())).toEqual({ status: 'needed', reason: 'kubelet is not running' });

    const result = await startKubeletStep.apply(h.context());

    expect(result).toEqual({ message: 'kubelet started' });
    expect(h.systemd.calls).toEqual([{ op: 'start', unit: UNIT }]);
    expect(h.systemd.unit(UNIT)?.active).toBe(true);
    expect(h.state.component('start-kubelet')).toMatchObject({ units: [UNIT], updatedAt: h.clock.now().toISOString() });
    await expectConverged(h, startKubeletStep);
  });

  it('restarts a running kubelet whose binary or configuration the kubelet step changed after the last start', async () => {
    const h = await makeHost(false);
    await h.run([startKubeletStep]);
    h.clock.advance(60_000);
    // A later run upgrades the kubelet (new binary, new config.yaml): the kubelet step records it.
    h.state.recordComponent('kubelet', { version: '1.31.4', units: [UNIT] }, h.clock.now());
    h.clock.advance(1_000);
    const callsBefore = h.systemd.calls.length;

    expect(await startKubeletStep.check(h.context())).toEqual({ status: 'needed', reason: 'its configuration changed' });
    const summary = await h.run([startKubeletStep]);

    expect(summary.outcomes.map((o) => [o.id, o.status, o.message])).toEqual([['start-kubelet', 'ok', 'kubelet restarted with its new configuration']]);
    expect(h.systemd.calls.slice(callsBefore)).toEqual([{ op: 'restart', unit: UNIT }]);
    await expectConverged(h, startKubeletStep);
  });

  it('restarts a kubelet that was already running before kjoin ever started it', async () => {
    const h = await makeHost(true);
    expect(await startKubeletStep.check(h.context())).toEqual({ status: 'needed', reason: 'its configuration changed' });
    await startKubeletStep.apply(h.context());
    expect(h.systemd.operationsOn(UNIT)).toEqual(['restart']);
  });

  it('leaves a running kubelet alone when nothing changed since kjoin started it', async () => {
    const h = await makeHost(true);
    h.state.recordComponent('start-kubelet', { units: [UNIT] }, h.clock.now());
    h.clock.advance(3_600_000);
    expect(await startKubeletStep.check(h.context())).toEqual({ status: 'done', reason: 'running' });
    await expectConverged(h, startKubeletStep);
    expect(h.systemd.calls).toEqual([]);
  });

  it('starts the kubelet again after it stopped, even with no configuration change', async () => {
    const h = await makeHost(true);
    h.state.recordComponent('start-kubelet', { units: [UNIT] }, h.clock.now());
    h.systemd.setUnit(UNIT, { active: false });
    expect(await startKubeletStep.check(h.context())).toEqual({ status: 'needed', reason: 'kubelet is not running' });
    await startKubeletStep.apply(h.context());
    expect(h.systemd.calls).toEqual([{ op: 'start', unit: UNIT }]);
  });
});
