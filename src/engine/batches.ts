// `serial`: a number, a percentage, or a ramp such as [1, 5, "25%"]; the last
// size repeats until every host is done.
export function batchSizes(serial: (number | string)[] | undefined, total: number): number[] {
  if (!serial || serial.length === 0 || total === 0) return [total];
  const size = (s: number | string) => {
    if (typeof s === 'number') return s;
    const m = /^(\d+)%$/.exec(s);
    return m ? Math.max(1, Math.floor((total * Number(m[1])) / 100)) : Number(s);
  };
  const sizes: number[] = [];
  let left = total;
  let i = 0;
  while (left > 0) {
    const n = Math.min(left, Math.max(1, size(serial[Math.min(i, serial.length - 1)])));
    sizes.push(n);
    left -= n;
    i += 1;
  }
  return sizes;
}

export function splitBatches<T>(items: T[], serial: (number | string)[] | undefined): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (const n of batchSizes(serial, items.length)) {
    out.push(items.slice(at, at + n));
    at += n;
  }
  return out;
}
