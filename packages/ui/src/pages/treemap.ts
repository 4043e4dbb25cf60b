/**
 * Squarified treemap layout (Bruls, Huizing, van Wijk): rectangles with areas proportional to the values, laid
 * out in rows whose aspect ratios stay close to 1 so that small cells remain readable.
 */
export interface Cell<T> {
  item: T;
  x: number;
  y: number;
  w: number;
  h: number;
}

function worst(row: readonly number[], side: number): number {
  const sum = row.reduce((a, b) => a + b, 0);
  const max = Math.max(...row);
  const min = Math.min(...row);
  return Math.max((side * side * max) / (sum * sum), (sum * sum) / (side * side * min));
}

/** Lays out `items` (largest first works best) in a `width` × `height` box; items of value 0 get no cell. */
export function squarify<T>(items: readonly T[], value: (item: T) => number, width: number, height: number): Cell<T>[] {
  const positive = items.filter((i) => value(i) > 0);
  const total = positive.reduce((a, i) => a + value(i), 0);
  if (total <= 0 || width <= 0 || height <= 0) return [];
  const scale = (width * height) / total;
  const areas = positive.map((i) => value(i) * scale);
  const out: Cell<T>[] = [];
  let x = 0;
  let y = 0;
  let w = width;
  let h = height;
  let start = 0;
  while (start < areas.length) {
    const side = Math.min(w, h);
    let end = start + 1;
    while (end < areas.length && worst(areas.slice(start, end + 1), side) <= worst(areas.slice(start, end), side)) end++;
    const row = areas.slice(start, end);
    const sum = row.reduce((a, b) => a + b, 0);
    if (w >= h) {
      // A column on the left, as wide as the row's area needs.
      const colW = sum / h;
      let cy = y;
      row.forEach((a, k) => {
        out.push({ item: positive[start + k]!, x, y: cy, w: colW, h: a / colW });
        cy += a / colW;
      });
      x += colW;
      w -= colW;
    } else {
      const rowH = sum / w;
      let cx = x;
      row.forEach((a, k) => {
        out.push({ item: positive[start + k]!, x: cx, y, w: a / rowH, h: rowH });
        cx += a / rowH;
      });
      y += rowH;
      h -= rowH;
    }
    start = end;
  }
  return out;
}
