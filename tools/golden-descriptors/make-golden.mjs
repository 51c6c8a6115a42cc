// Writes tests/data/golden/descriptors.json: face-api's own descriptors of the golden chips (tfjs cpu backend, float32).
// FaceCluster's ONNX port of the model is tested against these.
import fs from 'node:fs';
import path from 'node:path';
import { chipDir, chipFiles, loadFaceApi, readChip } from './common.mjs';

const backend = process.argv[2] ?? 'cpu';
const faceapi = await loadFaceApi(backend);
const chips = [];
for (const file of chipFiles()) {
  const tensor = readChip(faceapi, file);
  const descriptor = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(tensor);
  tensor.dispose();
  chips.push({ file, descriptor: Array.from(descriptor) });
  console.log(`${file}: |d| = ${Math.hypot(...descriptor).toFixed(4)}`);
}
const result = {
  generator: 'tools/golden-descriptors/make-golden.mjs',
  faceApi: faceapi.version,
  tfjs: faceapi.tf.version_core,
  backend,
  input: '150x150 RGB PNG chips, fed as int32 [150,150,3] tensors (no resize)',
  chips,
};
const out = path.join(chipDir, 'descriptors.json');
fs.writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
console.log(`wrote ${out} (${chips.length} chips)`);
