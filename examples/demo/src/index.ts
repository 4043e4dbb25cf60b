export { startDemo, type DemoOptions, type RunningDemo } from './launcher.js';
export { runLoad, type LoadOptions, type LoadStats, type RouteStats } from './load.js';
export { SCENARIOS, SCENARIO_NAMES, isScenarioName, type ScenarioName } from './scenarios.js';
export { SERVICES, INFRASTRUCTURE, PROCESSES, type ServiceName, type ProcessName } from './topology.js';
