/** MQTT's variable-length "remaining length" encoding (7 bits a byte, high bit = more follows), for hand-made packets. */
export function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
