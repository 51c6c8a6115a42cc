global using FaceCluster.IO;
