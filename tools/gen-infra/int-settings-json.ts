// INT_SETTINGS -> the JSON the functions module reads to check var.settings
// (names and bounds) at plan time, so a bad limit fails in `terraform plan`
// rather than as a ConfigError at the first cold start.
export interface IntSettingBounds {
  default: number;
  min: number;
  max: number;
  doc: string;
}

export function intSettingsJson(settings: Readonly<Record<string, { env: string } & IntSettingBounds>>): string {
  const byEnv: Record<string, IntSettingBounds> = {};
  for (const s of Object.values(settings)) byEnv[s.env] = { default: s.default, min: s.min, max: s.max, doc: s.doc };
  return JSON.stringify(byEnv, null, 2) + '\n';
}
