// AudioWorklet: the microphone's first channel, resampled to 16 kHz, as 16-bit PCM chunks posted to the page
// (which streams them to /ws/speech). "flush" ends the stream: the resampler's tail, then {done: true}.
import { Resampler, peakOf, toPcm16 } from "./resampler.js";

class PcmCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const { targetRate, chunkSamples } = options.processorOptions;
    this.resampler = new Resampler(sampleRate, targetRate); // `sampleRate`: the context's rate (global here)
    this.chunkSamples = chunkSamples;
    this.pending = [];
    this.pendingLength = 0;
    this.peak = 0;
    this.stopped = false;
    this.port.onmessage = (event) => {
      if (event.data === "flush" && !this.stopped) {
        this.stopped = true;
        this.collect(this.resampler.flush());
        this.emit();
        this.port.postMessage({ done: true });
      }
    };
  }

  collect(samples) {
    if (!samples.length) return;
    this.pending.push(samples);
    this.pendingLength += samples.length;
    this.peak = Math.max(this.peak, peakOf(samples));
  }

  emit() {
    if (!this.pendingLength) return;
    const joined = new Float32Array(this.pendingLength);
    let offset = 0;
    for (const block of this.pending) {
      joined.set(block, offset);
      offset += block.length;
    }
    const pcm = toPcm16(joined);
    this.port.postMessage({ pcm: pcm.buffer, peak: this.peak }, [pcm.buffer]);
    this.pending = [];
    this.pendingLength = 0;
    this.peak = 0;
  }

  process(inputs) {
    const channels = inputs[0];
    if (!this.stopped && channels && channels.length) {
      this.collect(this.resampler.process(channels[0]));
      if (this.pendingLength >= this.chunkSamples) this.emit();
    }
    return !this.stopped;
  }
}

registerProcessor("pcm-capture", PcmCapture);
