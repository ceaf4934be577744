// Streaming resampler for the microphone: any input rate (44.1 kHz in headless Chromium, 48 kHz on most
// machines) to 16 kHz for the recogniser. The ratio is not an integer, so every output sample is a windowed-sinc
// interpolation (Blackman window) whose cut-off sits below the output's Nyquist frequency: no aliasing, no
// dropped or doubled samples. Shared by the AudioWorklet and the ScriptProcessor fallback.

export class Resampler {
  constructor(inputRate, outputRate = 16000, zeroCrossings = 12, phases = 256) {
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    // Cut-off as a fraction of the input's Nyquist frequency: 90 % of the output's Nyquist frequency.
    this.cutoff = Math.min(1, outputRate / inputRate) * 0.9;
    this.half = Math.ceil(zeroCrossings / this.cutoff); // taps on each side, in input samples
    this.taps = 2 * this.half;
    this.phases = phases;
    // One normalised kernel per fractional position (phases + 1 rows: 0 … 1 inclusive).
    this.table = new Float32Array((phases + 1) * this.taps);
    for (let p = 0; p <= phases; p++) {
      const frac = p / phases;
      let sum = 0;
      for (let j = 0; j < this.taps; j++) {
        const d = j - this.half + 1 - frac; // tap position minus the output's position, in input samples
        const x = d * this.cutoff;
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        const r = d / this.half; // -1 … 1 over the window
        const window = Math.abs(r) >= 1 ? 0 : 0.42 + 0.5 * Math.cos(Math.PI * r) + 0.08 * Math.cos(2 * Math.PI * r);
        const value = sinc * window;
        this.table[p * this.taps + j] = value;
        sum += value;
      }
      for (let j = 0; j < this.taps; j++) this.table[p * this.taps + j] /= sum; // unit gain at 0 Hz
    }
    // Pending input, `base` = absolute index of buffer[0]; zeros stand for the silence before the first sample.
    this.buffer = new Float32Array(this.half);
    this.base = -this.half;
    this.produced = 0; // output samples so far: the next one sits at input position produced × in/out
    this.received = 0; // input samples seen
  }

  // Resamples a block of input; returns the output samples it completes (Float32Array).
  process(input) {
    const joined = new Float32Array(this.buffer.length + input.length);
    joined.set(this.buffer);
    joined.set(input, this.buffer.length);
    this.buffer = joined;
    this.received += input.length;
    return this._drain(Infinity);
  }

  // The last output samples (up to the end of the input), padding with silence for the kernel's tail.
  flush() {
    const padded = new Float32Array(this.buffer.length + this.half);
    padded.set(this.buffer);
    this.buffer = padded;
    return this._drain(this.received);
  }

  _drain(limit) {
    const out = [];
    const { taps, half, phases, table, buffer } = this; // `buffer` is replaced only after the loop
    // produced × inputRate / outputRate: exact for whole rates, no drift from summing a rounded step
    let time = (this.produced * this.inputRate) / this.outputRate;
    while (time < limit) {
      const index = Math.floor(time);
      const start = index - half + 1 - this.base; // buffer position of the first tap
      if (start + taps > buffer.length) break;
      const row = Math.round((time - index) * phases) * taps;
      let acc = 0;
      for (let j = 0; j < taps; j++) acc += buffer[start + j] * table[row + j];
      out.push(acc);
      this.produced += 1;
      time = (this.produced * this.inputRate) / this.outputRate;
    }
    const keepFrom = Math.floor(time) - half + 1 - this.base;
    if (keepFrom > 0) {
      this.buffer = this.buffer.slice(Math.min(keepFrom, this.buffer.length));
      this.base += keepFrom;
    }
    return Float32Array.from(out);
  }
}

// Float samples (-1 … 1) to 16-bit little-endian PCM.
export function toPcm16(samples) {
  const pcm = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    pcm[i] = s < 0 ? s * 0x8000 : s * 0x7fff;
  }
  return pcm;
}

// Peak absolute amplitude of a block (0 … 1): shows the user the microphone hears something.
export function peakOf(samples) {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]));
  return peak;
}
