// Times face-api's FaceRecognitionNet on the golden chips: ms per face at batch 1 and batch 8, on the tfjs wasm and
// cpu backends. Prints one JSON object per line, for bench/FaceCluster.Bench to show next to ONNX Runtime and OpenCV DNN.
// Usage: node bench-faceapi.mjs [backend ...]   (default: wasm cpu)
import { chipFiles, loadFaceApi, readChip } from './common.mjs';

const backends = process.argv.length > 2 ? process.argv.slice(2) : ['wasm', 'cpu'];
const minSeconds = Number(process.env.BENCH_SECONDS ?? 3);

async function time(run, faces) {
  await run(); // warm-up
  let n = 0;
  const start = performance.now();
  do { await run(); n++; } while (performance.now() - start < minSeconds * 1000);
  return (performance.now() - start) / (n * faces);
}

for (const backend of backends) {
  let faceapi;
  try {
    faceapi = await loadFaceApi(backend);
  } catch (e) {
    console.log(JSON.stringify({ engine: `face-api tfjs-${backend}`, error: String(e.message ?? e) }));
    continue;
  }
  const net = faceapi.nets.faceRecognitionNet;
  const chips = chipFiles().slice(0, 8).map((f) => readChip(faceapi, f));
  let i = 0;
  const single = await time(async () => { await net.computeFaceDescriptor(chips[i++ % chips.length]); }, 1);
  const batch = await time(async () => { await net.computeFaceDescriptor(chips); }, chips.length);
  chips.forEach((c) => c.dispose());
  console.log(JSON.stringify({ engine: `face-api tfjs-${backend}`, batch1MsPerFace: single, batch8MsPerFace: batch, threads: backend === 'wasm' ? 'tfjs-wasm default' : 1 }));
}
