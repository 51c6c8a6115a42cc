// face-api's whole pipeline on a folder of photos, for bench/FaceCluster.Bench (command `photos`) to time against
// Get-FaceEncoding: SSD MobileNet v1 detection + 68 landmarks + the dlib ResNet descriptor, tfjs-wasm backend.
// Usage: node bench-faceapi-photos.mjs <folder> [threads]
// Prints one JSON line per photo ({file, faces: [[x, y, w, h], ...]}) and a last line {images, faces, loadSeconds, seconds, threads}.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { modelDir } from './common.mjs';

const require = createRequire(import.meta.url);
const jpeg = require('jpeg-js');
const folder = process.argv[2];
const threads = Number(process.argv[3] ?? 1);
if (!folder) throw new Error('usage: node bench-faceapi-photos.mjs <folder> [threads]');

const started = performance.now();
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
const loadSeconds = (performance.now() - started) / 1000;

const files = fs.readdirSync(folder).filter((f) => /\.jpe?g$/i.test(f)).sort();
let faces = 0;
const skipped = [];
for (const file of files) {
  let decoded;
  try {
    decoded = jpeg.decode(fs.readFileSync(path.join(folder, file)), { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
  } catch {
    skipped.push(file); // not a baseline/progressive JPEG (e.g. WebP named .jpg): jpeg-js cannot read it
    continue;
  }
  const tensor = faceapi.tf.tensor3d(decoded.data, [decoded.height, decoded.width, 3], 'int32');
  const results = await faceapi.detectAllFaces(tensor, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 })).withFaceLandmarks().withFaceDescriptors();
  tensor.dispose();
  faces += results.length;
  console.log(JSON.stringify({ file, faces: results.map((r) => { const b = r.detection.box; return [b.x, b.y, b.width, b.height]; }) }));
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ images: files.length - skipped.length, skipped, faces, loadSeconds, seconds, threads: wasm.getThreadsCount ? wasm.getThreadsCount() : threads }));
