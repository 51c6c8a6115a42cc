// face-api's whole pipeline on a folder of photos, for bench/FaceCluster.Bench (command `photos`) to time against
// Get-FaceEncoding: SSD MobileNet v1 detection + 68 landmarks + the dlib ResNet descriptor, tfjs-wasm backend.
// Usage: node bench-faceapi-photos.mjs <folder> [threads]
// Prints one JSON line per photo ({file, decodeMs, faceApiMs, faces: [[x, y, w, h], ...]}) and a last line
// {images, faces, loadSeconds, decodeSeconds, faceApiSeconds, seconds, decodeCpuSeconds, faceApiCpuSeconds, cpuSeconds,
// threads, decoder} (wall-clock seconds, and CPU seconds of the whole process over the same spans).
//
// Fair to face-api: photos are decoded by sharp (libvips + libjpeg-turbo/mozjpeg, one libvips thread), the fastest
// decoder on npm, and the decode is timed apart from face-api's own work. faceApiSeconds is detect + landmarks +
// descriptor alone, summed over the photos, after one warm-up inference (tfjs-wasm compiles its kernels on first use);
// seconds is the whole process from its start (loading, warm-up, decoding and all).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { modelDir } from './common.mjs';

const require = createRequire(import.meta.url);
const sharp = require('sharp');
const folder = process.argv[2];
const threads = Number(process.argv[3] ?? 1);
if (!folder) throw new Error('usage: node bench-faceapi-photos.mjs <folder> [threads]');

const started = performance.now();
// One decoding thread as one inference thread: the comparison is thread for thread.
sharp.concurrency(1);
sharp.cache(false);
const { log, warn } = console;
console.log = () => {};
console.warn = () => {};
const wasm = require('@tensorflow/tfjs-backend-wasm');
// Threads only take effect with the threaded wasm build; the count actually used is reported below.
wasm.setThreadsCount(threads);
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
await faceapi.tf.setBackend('wasm');
await faceapi.tf.ready();
console.log = log;
console.warn = warn;
await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
const options = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 });
const detect = (tensor) => faceapi.detectAllFaces(tensor, options).withFaceLandmarks().withFaceDescriptors();
{
  // warm-up on a grey picture: every net runs once (the descriptor only if a face were found, so it gets one chip too)
  const grey = faceapi.tf.fill([480, 640, 3], 128, 'int32');
  await detect(grey);
  grey.dispose();
  const chip = faceapi.tf.fill([150, 150, 3], 128, 'int32');
  await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(chip);
  chip.dispose();
}
const loadSeconds = (performance.now() - started) / 1000;

// the photos FaceCluster reads (by extension; sharp reads the content, so a WebP named .jpg is read too)
const files = fs.readdirSync(folder).filter((f) => /\.jpe?g$/i.test(f)).sort();
let faces = 0;
let decodeMs = 0;
let faceApiMs = 0;
// CPU time (every thread of the process: sharp decodes on a libuv worker, tfjs-wasm runs on this one)
const cpuSeconds = (u) => (u.user + u.system) / 1e6;
let decodeCpu = 0;
let faceApiCpu = 0;
const skipped = [];
for (const file of files) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let decoded;
  try {
    // upright by EXIF orientation, as FaceCluster's ImageLoader; 3 channels
    decoded = await sharp(fs.readFileSync(path.join(folder, file))).rotate().removeAlpha().toColourspace('srgb').raw()
      .toBuffer({ resolveWithObject: true });
  } catch {
    skipped.push(file);
    continue;
  }
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const { width, height, channels } = decoded.info;
  const tensor = faceapi.tf.tensor3d(decoded.data, [height, width, channels], 'int32');
  const results = await detect(tensor);
  tensor.dispose();
  const t2 = performance.now();
  const c2 = process.cpuUsage();
  decodeMs += t1 - t0;
  faceApiMs += t2 - t1;
  decodeCpu += cpuSeconds(c1) - cpuSeconds(c0);
  faceApiCpu += cpuSeconds(c2) - cpuSeconds(c1);
  faces += results.length;
  console.log(JSON.stringify({
    file, decodeMs: t1 - t0, faceApiMs: t2 - t1,
    faces: results.map((r) => { const b = r.detection.box; return [b.x, b.y, b.width, b.height]; }),
  }));
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({
  images: files.length - skipped.length, skipped, faces, loadSeconds,
  decodeSeconds: decodeMs / 1000, faceApiSeconds: faceApiMs / 1000, seconds,
  decodeCpuSeconds: decodeCpu, faceApiCpuSeconds: faceApiCpu, cpuSeconds: cpuSeconds(process.cpuUsage()),
  threads: wasm.getThreadsCount ? wasm.getThreadsCount() : threads, decoder: `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
}));
