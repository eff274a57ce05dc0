// Sparkline geometry (pure): a series of [time, value] points scaled into a
// small SVG box, as a polyline path plus the last point.

export interface SparkGeometry {
  path: string;
  last: { x: number; y: number } | null;
  min: number;
  max: number;
}

export function sparkGeometry(points: readonly [number, number][], width: number, height: number, pad = 2): SparkGeometry {
  if (points.length === 0) return { path: '', last: null, min: 0, max: 0 };
  const ts = points.map((p) => p[0]);
  const vs = points.map((p) => p[1]);
  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts);
  const min = Math.min(...vs);
  const max = Math.max(...vs);
  const x = (t: number) => (t1 === t0 ? width - pad : pad + ((t - t0) / (t1 - t0)) * (width - 2 * pad));
  // A flat line sits in the middle rather than on the floor.
  const y = (v: number) => (max === min ? height / 2 : pad + (1 - (v - min) / (max - min)) * (height - 2 * pad));
  const coords = points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`);
  const path = coords.length === 1 ? `M${coords[0]}` : `M${coords.join(' L')}`;
  const lastPoint = points[points.length - 1] as [number, number];
  return { path, last: { x: x(lastPoint[0]), y: y(lastPoint[1]) }, min, max };
}
