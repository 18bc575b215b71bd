import { describe, expect, it } from 'vitest';
import { SpareCanvas } from '../../src/imaging/spare-canvas.js';

describe('SpareCanvas', () => {
  it('hands back the last canvas given, zero-filled, for a build of its size or smaller', () => {
    const canvases = new SpareCanvas(1_000);
    const first = canvases.take(800);
    first.fill(200);
    canvases.give(first);

    const second = canvases.take(600);
    expect(second.buffer).toBe(first.buffer);
    expect(second.length).toBe(600);
    expect(second.every((byte) => byte === 0)).toBe(true);
  });

  it('hands a canvas to one build at a time', () => {
    const canvases = new SpareCanvas(1_000);
    canvases.give(canvases.take(800));
    const a = canvases.take(800);
    const b = canvases.take(800);
    expect(b.buffer).not.toBe(a.buffer);
  });

  it('makes a new canvas when the spare is too small, and keeps none bigger than its budget', () => {
    const canvases = new SpareCanvas(1_000);
    const small = canvases.take(100);
    canvases.give(small);
    expect(canvases.take(500).buffer).not.toBe(small.buffer);

    const big = canvases.take(2_000);
    canvases.give(big);
    expect(canvases.take(2_000).buffer).not.toBe(big.buffer);
  });
});
