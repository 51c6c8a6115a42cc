// Shared helpers: load face-api (its node-wasm bundle, which uses @tensorflow/tfjs with the pure-JS cpu backend or
// @tensorflow/tfjs-backend-wasm; no native tfjs-node) and read the 150x150 PNG chips as int32 [150,150,3] RGB tensors.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const chipDir = path.join(repoRoot, 'tests', 'data', 'golden');
export const modelDir = path.join(here, 'node_modules', '@vladmandic', 'face-api', 'model');

const { PNG } = require('pngjs');

export async function loadFaceApi(backend) {
  // Quiet tfjs' advice to install tfjs-node: we deliberately use the portable backends.
  const { log, warn } = console;
  console.log = () => {};
  console.warn = () => {};
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  try {
    await faceapi.tf.setBackend(backend);
    await faceapi.tf.ready();
    faceapi.tf.tensor1d([0]).dispose(); // the cpu backend prints its advice on first use
  } finally {
    console.log = log;
    console.warn = warn;
  }
  if (faceapi.tf.getBackend() !== backend) throw new Error(`tfjs backend ${backend} is not available`);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  return faceapi;
}

export function chipFiles() {
  return fs.readdirSync(chipDir).filter((f) => /^chip\d+\.png$/.test(f)).sort();
}

/** int32 [150,150,3] RGB: exactly the tensor face-api would build from the image, so it neither pads nor resizes. */
export function readChip(faceapi, file) {
  const png = PNG.sync.read(fs.readFileSync(path.join(chipDir, file)));
  if (png.width !== 150 || png.height !== 150) throw new Error(`${file} is ${png.width}x${png.height}, expected 150x150`);
  const rgb = new Int32Array(150 * 150 * 3);
  for (let p = 0; p < 150 * 150; p++) {
    rgb[p * 3] = png.data[p * 4];
    rgb[p * 3 + 1] = png.data[p * 4 + 1];
    rgb[p * 3 + 2] = png.data[p * 4 + 2];
  }
  return faceapi.tf.tensor3d(rgb, [150, 150, 3], 'int32');
}
