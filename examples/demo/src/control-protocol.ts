// Line protocol between the launcher and its child processes. The launcher writes to a child's stdin, the child
// answers on stdout. Scenario changes travel this way (not over HTTP) so that they make no spans, and a child
// whose stdin closes knows its launcher is gone and exits.
export const READY = 'DEMO-READY';
/** launcher → child: switch to this scenario. */
export const SET_SCENARIO = 'DEMO-SCENARIO';
/** child → launcher: the scenario is now in effect here. */
export const SCENARIO_ACK = 'DEMO-SCENARIO-ACK';
/** child (the gateway's control page) → launcher: please switch every process to this scenario. */
export const SCENARIO_REQUEST = 'DEMO-SCENARIO-REQUEST';

/** Environment the launcher gives each child. */
export const ENV = {
  port: 'DEMO_PORT',
  host: 'DEMO_HOST',
  dataDir: 'DEMO_DATA_DIR',
  urls: 'DEMO_URLS',
  scenario: 'DEMO_SCENARIO',
  /** Sextant's web UI, linked from the control page (optional). */
  sextantUrl: 'DEMO_SEXTANT_URL',
} as const;
