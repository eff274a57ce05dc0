// GEOGRAPHY basics for device positions: points only. A point is held as its
// WKT text, `POINT(lon lat)`, as BigQuery prints it (so a result column is a
// STRING of that text); distances are on BigQuery's sphere of radius
// 6,371,008.8 m (haversine). Lines, polygons and the spheroid option are
// refused rather than approximated.
import { invalidQuery } from '../errors.js';
import type { Node } from './tokenize.js';

interface Translator {
  expr(nodes: Node[]): string;
}
type Rule = (args: Node[][], tr: Translator) => string;

const arity = (args: Node[][], fn: string, n: number): void => {
  if (args.length !== n) throw invalidQuery(`No matching signature for function ${fn} with ${args.length} argument(s)`);
};
const one =
  (fn: string, macro: string, n: number): Rule =>
  (args, tr) => (arity(args, fn, n), `${macro}(${args.map((a) => tr.expr(a)).join(', ')})`);

export const GEOGRAPHY_RULES: Record<string, Rule> = {
  ST_GEOGPOINT: one('ST_GEOGPOINT', 'bq_st_geogpoint', 2),
  ST_GEOGFROMTEXT: one('ST_GEOGFROMTEXT', 'bq_st_geogfromtext', 1),
  ST_ASTEXT: one('ST_ASTEXT', 'bq_st_astext', 1),
  ST_X: one('ST_X', 'bq_st_x', 1),
  ST_Y: one('ST_Y', 'bq_st_y', 1),
  ST_DISTANCE: (args, tr) => {
    if (args.length === 3) throw invalidQuery('ST_DISTANCE with use_spheroid is not supported by the BigQuery emulator');
    arity(args, 'ST_DISTANCE', 2);
    return `bq_st_distance(${tr.expr(args[0]!)}, ${tr.expr(args[1]!)})`;
  },
  ST_DWITHIN: (args, tr) => {
    if (args.length === 4) throw invalidQuery('ST_DWITHIN with use_spheroid is not supported by the BigQuery emulator');
    arity(args, 'ST_DWITHIN', 3);
    return `(bq_st_distance(${tr.expr(args[0]!)}, ${tr.expr(args[1]!)}) <= ${tr.expr(args[2]!)})`;
  },
};

const POINT_RE = `'^\\s*POINT\\s*\\(\\s*([-+0-9.eE]+)\\s+([-+0-9.eE]+)\\s*\\)\\s*$'`;

export const GEOGRAPHY_MACROS: readonly string[] = [
  // Shortest round-trip digits, without DuckDB's trailing ".0" on whole numbers.
  `CREATE OR REPLACE MACRO bq_geo_num(x) AS regexp_replace(CAST(CAST(x AS DOUBLE) + 0.0 AS VARCHAR), '\\.0$', '')`,
  `CREATE OR REPLACE MACRO bq_st_geogpoint(lon, lat) AS CASE WHEN lon IS NULL OR lat IS NULL THEN NULL WHEN isnan(lon) OR isnan(lat) OR isinf(lon) OR isinf(lat) OR lat < -90 OR lat > 90 THEN error('ST_GEOGPOINT: latitude must be in [-90, 90] and both coordinates finite') ELSE 'POINT(' || bq_geo_num(CASE WHEN lon >= -180 AND lon <= 180 THEN lon ELSE ((lon + 180) % 360 + 360) % 360 - 180 END) || ' ' || bq_geo_num(lat) || ')' END`,
  `CREATE OR REPLACE MACRO bq_st_geogfromtext(w) AS CASE WHEN w IS NULL THEN NULL WHEN regexp_matches(w, ${POINT_RE}) THEN bq_st_geogpoint(CAST(regexp_extract(w, ${POINT_RE}, 1) AS DOUBLE), CAST(regexp_extract(w, ${POINT_RE}, 2) AS DOUBLE)) ELSE error('ST_GEOGFROMTEXT: the BigQuery emulator supports POINT geographies only') END`,
  `CREATE OR REPLACE MACRO bq_st_astext(g) AS g`,
  `CREATE OR REPLACE MACRO bq_st_x(g) AS CAST(regexp_extract(g, ${POINT_RE}, 1) AS DOUBLE)`,
  `CREATE OR REPLACE MACRO bq_st_y(g) AS CAST(regexp_extract(g, ${POINT_RE}, 2) AS DOUBLE)`,
  `CREATE OR REPLACE MACRO bq_st_distance(a, b) AS 2 * 6371008.8 * asin(sqrt(pow(sin(radians(bq_st_y(b) - bq_st_y(a)) / 2), 2) + cos(radians(bq_st_y(a))) * cos(radians(bq_st_y(b))) * pow(sin(radians(bq_st_x(b) - bq_st_x(a)) / 2), 2)))`,
];
