# The prose of the module's help. tools/New-ModuleHelp.ps1 combines it with each cmdlet's metadata into MAML.
@{
    'Get-FaceEncoding' = @{
        Synopsis    = 'Finds, aligns and describes every face in images and video frames.'
        Description = @'
Get-FaceEncoding detects faces with MediaPipe BlazeFace (run by OpenCV DNN) and describes each with ONNX Runtime: by default with HSE FaceRes (1024-d, from an unrotated square crop of 1.4 times the face box), or with -Model Dlib with the dlib face-recognition ResNet (128-d, from the face aligned to its 150x150 chip). Faces found on a scaled-down video frame are described from the frame's full-resolution copy. It emits one FaceCluster.FaceEncoding per face, in input order: a stable Id (a hash of the image file's content and the box: the same on every run, also for a copy of the file elsewhere), the image Path, VideoPath/FrameIndex/Timestamp/Shot when the image is a video frame from Export-VideoFrame, the Box and six Landmarks in source pixels, the detector Confidence, the chip's Sharpness (variance of the Laplacian; low is blurry) and the Descriptor.

-Model picks the descriptor: FaceRes (the default) is HSE FaceRes (1024-d unit vectors, MobileNet trained on VGGFace2, on an unrotated square crop 1.4 times the face box), markedly better on children and Asian faces (BCubed F1 0.97 against dlib's 0.70 on sitcom footage); Dlib is dlib's face-recognition ResNet (128-d, on the aligned chip), the descriptor face_recognition users know. The Model property of every face records which one made it; distances of different models mean nothing together, so clustering, matching and merging refuse mixed models, and their default thresholds follow the faces' model.

Two dlib descriptors of the same person are usually less than 0.6 apart (Euclidean), two FaceRes descriptors less than about 0.8 (their distances range from 0 to 2); lower is stricter. Images with no face produce no object (-Verbose says so). Large photos are searched at several scales so that faces down to about 40 pixels across are found, and photos that are already tight face crops are retried on a padded canvas.

Image formats are recognised by content, not by extension: JPEG, PNG, BMP, WebP and TIFF; grey, RGBA and 16-bit images; EXIF orientation is honoured. A folder stands for the image files in it (by extension: .jpg, .jpeg, .png, .bmp, .webp, .tif and the like; hidden files skipped; in ordinal order of their paths), and -Recurse adds its subfolders. A missing file gives a PathNotFound error, a folder without images a NoImagesInFolder error, and an unreadable image an ImageDecodeFailed error; the other inputs are still processed.

-ThrottleLimit images are processed at once, by as many workers, in three stages (read the image, find the faces, describe them); a free worker takes the image furthest along, so one image is read while another is searched and a third described. Results still come out in input order, and at most two images per worker are held in memory, however long the input. The full-resolution copy of a video frame is read only when faces were found on the frame. Ctrl+C stops once each worker has finished the step it is in (well within a second for video frames).
'@
        Inputs      = @('System.String', 'System.IO.FileInfo', 'FaceCluster.VideoFrame')
        Parameters  = @{
            Path          = 'Image files or photo folders to search. Wildcards are expanded; strings bind from the pipeline by value. Objects that name files (FileInfo from Get-ChildItem, VideoFrame from Export-VideoFrame) bind -LiteralPath instead, so a file named photo[1].jpg is read as it is.'
            Recurse       = 'A folder given as -Path or -LiteralPath also gives the images of all its subfolders.'
            LiteralPath   = 'Image files or photo folders, used exactly as typed (no wildcard expansion). FileInfo objects bind here by their PSPath or FullName, VideoFrame objects by their Path (PSPath alias).'
            VideoPath     = 'Set by the pipeline from VideoFrame objects: the video the frame came from. Not normally typed.'
            FrameIndex    = 'Set by the pipeline from VideoFrame objects (their Index). Not normally typed.'
            Timestamp     = 'Set by the pipeline from VideoFrame objects: the frame''s time in the video. Not normally typed.'
            Model         = 'The descriptor model: FaceRes (default; 1024-d, HSE FaceRes, Apache-2.0; better on children and Asian faces) or Dlib (128-d, dlib face-recognition ResNet, public domain; faster per face, the descriptor of face_recognition). Stored in each face''s Model property; the encoding cache keeps the two apart.'
            FullResolutionPath = 'Set by the pipeline from VideoFrame objects: the frame at the video''s own resolution (under full/). Faces are detected on the scaled frame and their chips and descriptors are cut from this one. Not normally typed.'
            NoFullResolution = 'Cuts chips and descriptors from the scaled frames themselves, ignoring their full-resolution copies (the behaviour of earlier versions).'
            Shot          = 'Set by the pipeline from VideoFrame objects: the shot of the frame, so that clustering links faces into tracks only within a shot. Not normally typed.'
            Detector      = 'FullRange (default) finds faces up to about 5 m from the camera, as in footage and group photos; ShortRange is tuned for close-ups within about 2 m, such as webcam frames and portraits.'
            MinConfidence = 'Detections scoring below this (0 to 1) are ignored. Default 0.5; raise it to drop doubtful faces, lower it to find more at the cost of false faces.'
            MinFaceSize   = 'Faces narrower than this many pixels in the source image are ignored. Default 20; descriptors of faces under about 40 pixels are less reliable.'
            ThrottleLimit = 'How many images are processed at once (1 to 64). Default: the number of processors. Output order does not depend on it.'
            CachePath     = 'A folder that keeps one small encoding store per source image, keyed by the image''s content (SHA-256) and the detector settings. A rerun after Ctrl+C or a crash encodes only the images that are not cached yet; a moved or renamed image is still found by its content. -Verbose reports how many images came from the cache. A cache that cannot be written (read-only, a file, a full disk) gives one CacheWriteFailed warning and every face still comes out; a damaged entry is recomputed.'
            MaxImagePixels = 'Images whose header announces more pixels (width x height) than this are refused with an ImageTooLarge error before they are decoded, and the other images are processed. Default 100000000 (100 MP, above any camera photo; about 300 MB once decoded). The header is read for JPEG, PNG, BMP, WebP and TIFF.'
        }
        Examples    = @(
            @{
                Code    = 'Get-FaceEncoding -Path ./photos/*.jpg'
                Remarks = 'Finds and describes every face in the JPEG files of ./photos, using all processors.'
            }
            @{
                Code    = 'Get-FaceEncoding ./albums -Recurse -CachePath ./face-cache | Invoke-FaceClustering | Export-FaceDataset ./people'
                Remarks = 'Encodes every photo under ./albums and its subfolders (a rerun only encodes new photos), groups the faces into people and writes one folder per person.'
            }
            @{
                Code    = 'Export-VideoFrame ./party.mp4 | Get-FaceEncoding -ThrottleLimit 4 | Export-FaceEncoding ./party.faces.jsonl'
                Remarks = 'Samples one frame per second from a video and encodes the faces while the next frames are being decoded; each face remembers its video, frame index and timestamp.'
            }
            @{
                Code    = '$faces = Get-FaceEncoding -LiteralPath ./portrait[1].png -Detector ShortRange -MinConfidence 0.7 -Verbose'
                Remarks = 'Uses the short-range detector on a close-up with a stricter confidence; -Verbose reports images in which no face was found.'
            }
        )
    }

    'Export-VideoFrame' = @{
        Synopsis    = 'Samples frames from videos (by default one per second, at most 700x500) and writes them as images.'
        Description = @'
Export-VideoFrame reads a video with OpenCV's FFmpeg backend and keeps frame k at the first frame whose presentation time is at or after k / FramesPerSecond seconds, so variable frame rates and containers that report a wrong frame count come out right, and the end of the stream always ends the loop. Frames are scaled down (never up), keeping the aspect ratio, until they fit MaxWidth x MaxHeight, and written as <video name>_<provenance>_<index>.jpg (or .png) into -OutputPath, by default ./Frames/<video name>/. Decoded frames at most 0.1 s apart (and every sample) are also scaled to 96 px wide and their colour histograms compared, each with the previous one's, to number the shots (Shot: 0 from the first sample, one more after every cut).

Each frame is emitted as a FaceCluster.VideoFrame (VideoPath, Index, Timestamp, Path, Width, Height, Shot) as soon as it is written, so piping into Get-FaceEncoding overlaps decoding and encoding.

On Linux x64 the video is decoded with the FFmpeg inside OpenCV's native library, called directly, whenever it gives the video's frames exactly as OpenCV's capture does (checked on each video's first frames: timestamps and pixels). Only the frames written are then converted to colour, and cut detection reads its 96 px straight from the decoded picture, so extraction takes about a third less CPU time; the frames, timestamps and shots are the same bit for bit. Rotated videos, pixel formats other than yuv420p and -StartTime beyond 2 s go through OpenCV's capture. -Verbose says which decoder a video used and why; setting the environment variable FACECLUSTER_VIDEO_DECODER=opencv before the module loads makes every video go through OpenCV's capture.

Nothing is ever deleted. <provenance> is 8 hex digits of a hash of the video's content (its size and its first and last MiB) and of the sampling settings (FramesPerSecond, MaxWidth, MaxHeight, Format, StartTime, EndTime): frames that already exist under the same name are reused, so a run that was interrupted resumes where it stopped, while another video of the same name or other settings never reuse them (-Force rewrites them). -WhatIf lists the frames that would be written. Writes are atomic (temporary file, then rename). A missing file, something that is not a video, or an unsupported codec gives an error (VideoNotFound, VideoOpenFailed, VideoCodecUnsupported); a stream that breaks in the middle gives VideoReadFailed and keeps the frames already extracted; a stream that ends early gives a VideoTruncated warning. An output folder that cannot be created or written (a file in the way, read-only, disk full) gives FrameWriteFailed for that video, and the next video is still processed.
'@
        Inputs      = @('System.String', 'System.IO.FileInfo')
        Parameters  = @{
            Path            = 'Video files; wildcards are expanded. Strings bind from the pipeline by value.'
            LiteralPath     = 'Video files, used exactly as typed (no wildcard expansion). FileInfo objects (Get-ChildItem) bind here by their PSPath or FullName.'
            FramesPerSecond = 'Frames sampled per second of video. Default 1; fractions are allowed (0.2 keeps one frame every 5 seconds).'
            MaxWidth        = 'Frames wider than this are scaled down, keeping the aspect ratio. Default 700; 0 means no limit.'
            MaxHeight       = 'Frames taller than this are scaled down, keeping the aspect ratio. Default 500; 0 means no limit.'
            OutputPath      = 'The folder for the frame images. Default: ./Frames/<video name>/. It is created if missing.'
            Format          = 'Jpg (default, quality 92) or Png (lossless, larger).'
            StartTime       = 'The first sample time (inclusive): a TimeSpan, a string such as 00:01:30, or a number of seconds (-StartTime 90). Default: the start of the video.'
            EndTime         = 'The last sample time (inclusive): a TimeSpan, a string such as 00:02:00, or a number of seconds (-EndTime 7 is 7 seconds). Default: the end of the video.'
            Force           = 'Rewrites frame images that already exist instead of reusing them.'
            NoFullResolution = 'Does not write the full-resolution copy of each scaled frame. By default a frame that had to be scaled down is also written at the video''s own size as full/<video name>_<index>.jpg (JPEG quality 95), so that Get-FaceEncoding and Export-FaceDataset cut faces from it (a 720p face is about 1.8 times wider there); it costs about 12 MB per minute of 720p at 1 frame per second, against 4 MB for the scaled frames.'
            ShotThreshold   = 'A new shot starts where the colour histogram of a decoded frame differs from the previous compared frame''s by more than this share of the picture (0.01 to 0.99, default 0.2). Decoded frames at most 0.1 s apart are compared, so cuts between two samples are found and the threshold means the same at any frame rate; faces of different shots are never linked into one track.'
        }
        Examples    = @(
            @{
                Code    = 'Export-VideoFrame ./party.mp4'
                Remarks = 'Writes one frame per second of party.mp4, at most 700x500, to ./Frames/party/ and emits a VideoFrame for each.'
            }
            @{
                Code    = 'Export-VideoFrame ./videos/*.mp4 -FramesPerSecond 0.2 -OutputPath ./frames | Get-FaceEncoding | Export-FaceEncoding ./faces.jsonl'
                Remarks = 'Keeps one frame every five seconds of every video and encodes the faces while the videos are still being read.'
            }
            @{
                Code    = 'Export-VideoFrame ./party.mp4 -StartTime 00:10:00 -EndTime 00:12:00 -WhatIf'
                Remarks = 'Lists the frames of minutes 10 to 12 that would be written, and writes nothing.'
            }
        )
    }
    'Export-FaceEncoding' = @{
        Synopsis    = 'Writes face encodings to an encoding store: a versioned JSON Lines file that records the descriptor model.'
        Description = @'
Export-FaceEncoding writes the FaceEncoding objects it receives to a store (format described in docs/encoding-store.md): a header line naming the format, version and descriptor model, then one face per line. Descriptors round-trip exactly, so Import-FaceEncoding gives back identical objects.

The file is written to a temporary file beside the target and renamed over it only when the pipeline ends, so Ctrl+C or a failure leaves the target as it was. An existing file is refused unless -Append (adds to a store of the same model) or -Force (replaces it). -WhatIf writes nothing. Faces that fail validation (a descriptor that is not 128 finite numbers, a box outside the image, another model) are reported as EncodingInvalid errors and not written.
'@
        Inputs      = @('FaceCluster.FaceEncoding')
        Parameters  = @{
            OutputPath  = 'The store file to write, used as typed (no wildcards). -Path and -LiteralPath are aliases (-Path was its name in 0.1.0).'
            InputObject = 'The face encodings to write, usually from Get-FaceEncoding or Import-FaceEncoding.'
            Append      = 'Adds the faces to an existing store instead of refusing it; the store must hold encodings of the same model.'
            Force       = 'Replaces an existing store.'
            PassThru    = 'Also passes the faces on down the pipeline.'
        }
        Examples    = @(
            @{
                Code    = 'Get-FaceEncoding ./photos/*.jpg | Export-FaceEncoding ./photos.faces.jsonl'
                Remarks = 'Encodes the faces of a photo folder and keeps them in a store.'
            }
            @{
                Code    = 'Get-FaceEncoding ./more/*.jpg | Export-FaceEncoding ./photos.faces.jsonl -Append'
                Remarks = 'Adds more faces to the same store.'
            }
        )
    }
    'Import-FaceEncoding' = @{
        Synopsis    = 'Reads face encodings back from encoding stores.'
        Description = @'
Import-FaceEncoding streams the faces of one or more stores as FaceEncoding objects, identical to the ones that were exported. Reading never instantiates arbitrary types: each line is parsed as plain JSON with a small depth limit and a 64 KiB line limit, so a truncated, deeply nested or huge garbage file gives errors instead of a crash or running out of memory. A bad record gives a StoreRecordInvalid (or StoreRecordTooLong) error whose target is "<file>:<line>", and the good records are still returned; a file that is not a store gives StoreHeaderInvalid.
'@
        Inputs      = @('System.String', 'System.IO.FileInfo')
        Parameters  = @{
            Path        = 'Store files; wildcards are expanded. Strings bind from the pipeline by value.'
            LiteralPath = 'Store files, used exactly as typed (no wildcard expansion). FileInfo objects bind here by their PSPath or FullName.'
        }
        Examples    = @(
            @{
                Code    = 'Import-FaceEncoding ./faces.jsonl | Invoke-FaceClustering'
                Remarks = 'Clusters the faces kept in a store.'
            }
            @{
                Code    = '$faces = Import-FaceEncoding ./stores/*.jsonl -ErrorVariable bad; $bad.TargetObject'
                Remarks = 'Reads every store of a folder and lists the file and line of each record that could not be read.'
            }
        )
    }
    'Merge-FaceEncoding' = @{
        Synopsis    = 'Merges encoding stores, and encodings from the pipeline, into one store.'
        Description = @'
Merge-FaceEncoding combines many stores (for example one per video, or the per-image stores of a -CachePath folder) into one. Faces with an Id already seen are dropped (the first one wins; -Verbose lists them). Stores of different descriptor models are refused with a StoreModelMismatch error before anything is written, because their descriptors cannot be compared. Every record is validated; bad records are reported as errors and the good ones are kept. The output is written atomically and may be one of the inputs.

It emits a summary (OutputPath, Model, FilesRead, FacesMerged, DuplicatesDropped, RecordsRejected); -PassThru also emits the merged faces.
'@
        Inputs      = @('FaceCluster.FaceEncoding')
        Parameters  = @{
            Path        = 'The stores to merge; wildcards are expanded.'
            LiteralPath = 'Stores to merge, used exactly as typed (no wildcard expansion); may be combined with -Path.'
            InputObject = 'Face encodings to merge in after the stores, for example from Get-FaceEncoding.'
            OutputPath  = 'The merged store to write.'
            Append      = 'Keeps the records already in OutputPath and adds the rest (they win over duplicates).'
            Force       = 'Replaces OutputPath if it exists.'
            PassThru    = 'Also emits the merged faces, read back from the written store.'
        }
        Examples    = @(
            @{
                Code    = 'Merge-FaceEncoding -Path ./stores/*.jsonl -OutputPath ./all.faces.jsonl'
                Remarks = 'Combines every store of a folder into one and reports how many faces were merged and dropped.'
            }
            @{
                Code    = 'Get-FaceEncoding ./new/*.jpg | Merge-FaceEncoding -Path ./all.faces.jsonl -OutputPath ./all.faces.jsonl -Force'
                Remarks = 'Adds freshly encoded faces to an existing store, skipping those already in it.'
            }
        )
    }
    'Invoke-FaceClustering' = @{
        Synopsis    = 'Groups faces into people without supervision, and emits one FaceCluster per person, largest first.'
        Description = @'
Invoke-FaceClustering collects FaceEncoding objects from the pipeline (or reads encoding stores given by -Path), clusters them when the input ends, and emits one FaceCluster.FaceCluster per person: Id (1..n, largest first), Label (Person_<Id> unless a -Reference names it), Count, Faces, Medoid (the face with the least total distance to the others), MeanDistance and MaxDistance to the medoid.

Thresholds left out come from the faces' descriptor model (Get-FaceEncoding -Model), so nobody needs to know its distance scale: the figures below are dlib's; for FaceRes (the default model) they are Chinese whispers 0.84, average linkage 0.85, DBSCAN -Epsilon 0.8 and -ReferenceThreshold 0.8 (measured on 61 labelled photos of 13 people, footage made from them and footage of the demo photos: docs/accuracy.md). Faces of different models are refused (StoreModelMismatch).

The default algorithm is Chinese whispers (dlib's, as in its face_clustering example) with faces closer than the model's threshold linked (0.84 for FaceRes, 0.5 for dlib), run with a fixed visiting order so the result never depends on a random seed. It was chosen from measurements (docs/accuracy.md): it finds exactly the 13 people of 61 labelled photos and the 21 people of the sample footage (pairwise precision and recall 1.000 on both), where average linkage at 0.6 merged look-alikes seen small in video frames (precision 0.747) and DBSCAN made noise of people seen in one frame. -Algorithm Agglomerative (average linkage, -Threshold 0.6; exact on the labelled photos, with little margin) and -Algorithm DBSCAN (-Epsilon 0.5, -MinSamples 2; the original pipeline's min_samples of 5 dropped everyone seen fewer than 5 times) are available. Lower thresholds are stricter: fewer merged people, more split ones.

Faces of video frames are first linked into tracks: a face of frame k and a face of frame k+1 of the same shot whose boxes overlap (each box doubled about its centre, IoU at least 0.3) and whose descriptors are closer than 0.4 are the same face. A track is clustered as a whole (Chinese whispers and DBSCAN on the track's mean descriptor, average linkage starting from the tracks), so one person is not split inside a shot, and each face comes out with its TrackId. On footage of 61 labelled photos (13 people) this raised BCubed F1 at the defaults from 0.952 to 0.976 and left the demo footage at 1.000 (docs/accuracy.md). -UseTracks:$false turns it off; photos are never linked.

Two faces of one image are different people: the clusterer never puts them together (-AllowSameImage turns this off). Results are deterministic: the same faces give the same clusters, ids and labels in any input order and with any -ThrottleLimit. Faces that belong to no cluster (DBSCAN noise, or clusters smaller than -MinClusterSize) are not a person; -IncludeNoise emits them as one cluster with Id 0 and IsNoise set.

-Reference takes the people of an earlier result (FaceCluster objects, or a dataset folder written by Export-FaceDataset, whose folder names are the labels): a new cluster whose faces mostly match a known person takes that person's name, so names given once survive re-clustering with more footage; other clusters get the next free Person_<n> label.
'@
        Inputs      = @('FaceCluster.FaceEncoding')
        Parameters  = @{
            InputObject        = 'The faces to cluster, usually from Get-FaceEncoding or Import-FaceEncoding.'
            Path               = 'Encoding stores to cluster instead of pipeline input; wildcards are expanded.'
            LiteralPath        = 'Encoding stores to cluster, used exactly as typed. A store''s FileInfo (Get-Item ./faces.jsonl | Invoke-FaceClustering) binds here by its PSPath or FullName.'
            Algorithm          = 'ChineseWhispers (default), Agglomerative or DBSCAN.'
            Threshold          = 'ChineseWhispers: faces closer than this are linked (default 0.84 for FaceRes faces, 0.5 for dlib). Agglomerative: clusters merge while their average distance is below this (default 0.6 for dlib, 0.85 for FaceRes). Lower is stricter.'
            Epsilon            = 'DBSCAN: the neighbourhood radius (default 0.5 for dlib faces, 0.8 for FaceRes).'
            MinSamples         = 'DBSCAN: faces within -Epsilon, counting the face itself, that make a core face (default 2: a person must be seen at least twice; on the sample footage 1 keeps the 2 people seen in a single frame, 3 drops 8 faces, and the original pipeline''s 5 drops everyone seen fewer than 5 times).'
            MinClusterSize     = 'Clusters with fewer faces are treated as noise (default 1: every person counts, even if seen once).'
            Iterations         = 'ChineseWhispers: the most passes over the faces (default 100; it stops early when nothing changes).'
            AllowSameImage     = 'Lets two faces of the same image or frame join one cluster. Off by default, because they are different people.'
            IncludeNoise       = 'Also emits the faces that belong to no person, as one cluster with Id 0 and IsNoise set, and the unsure faces of the quality gate as one cluster with Id -1 (IsUnsure and IsNoise set; Export-FaceDataset writes them to _unsure/ and lists them on index.html for review).'
            QualityGate        = 'Default: faces the quality measures call low quality (blurred, dark, low contrast, turned far away, tiny: FaceEncoding.Quality, thresholds in docs/accuracy.md) neither start nor link clusters. The other faces are clustered first; then each low-quality face joins the person of its nearest face when that face is within the clustering distance and every other person is at least 0.1 further away, and is otherwise unsure. None: every face is clustered alike (faces from stores without a quality always are).'
            UseTracks          = 'Links faces of consecutive video frames of one shot that are the same face (boxes overlap after allowing for motion, descriptors closer than 0.4) into tracks and clusters whole tracks, so a person is never split inside a shot; faces of one frame stay apart. On by default (-UseTracks:$false turns it off); photos are never linked. The faces come out with TrackId set.'
            Reference          = 'Earlier, named people: FaceCluster objects or a dataset folder from Export-FaceDataset. Clusters that match them keep their labels.'
            ReferenceThreshold = 'How close (distance) a face must be to a known person to count as a match for -Reference. Default as for Find-FaceCluster: 0.5 for dlib faces, 0.8 for FaceRes.'
            ThrottleLimit      = 'Threads for the distance computations (1 to 64). Default: the number of processors. The result does not depend on it.'
        }
        Examples    = @(
            @{
                Code    = 'Import-FaceEncoding ./faces.jsonl | Invoke-FaceClustering'
                Remarks = 'Groups the faces of a store into people with the defaults.'
            }
            @{
                Code    = 'Invoke-FaceClustering -Path ./stores/*.jsonl -Algorithm DBSCAN -Epsilon 0.45 -MinSamples 3 -IncludeNoise'
                Remarks = 'Clusters several stores with stricter DBSCAN settings and also returns the unclustered faces.'
            }
            @{
                Code    = 'Import-FaceEncoding ./all.faces.jsonl | Invoke-FaceClustering -Reference ./dataset | Export-FaceDataset ./dataset'
                Remarks = 'Re-clusters all footage after more was added, keeping the names people were given in ./dataset, and updates the dataset.'
            }
        )
    }
    'Find-FaceCluster' = @{
        Synopsis    = 'Files new faces under known people, or Unknown when nobody is close enough.'
        Description = @'
Find-FaceCluster compares each face with the faces of known people (FaceCluster objects, or a dataset folder written by Export-FaceDataset) and emits a FaceMatch: the Label and ClusterId of the nearest person with the Distance, or Label Unknown with IsUnknown set when no known face is within -Threshold (default 0.5 for dlib faces, 0.8 for FaceRes faces, from the reference faces' model; lower is stricter). The reasoning below is dlib's; FaceRes's 0.8 filed every known face of the labelled set right and every stranger Unknown, where 0.85 let 2 of 61 strangers in. The default is stricter than the dlib descriptor's usual 0.6 on purpose: a stranger is compared with every known face, so 0.6 files strangers under look-alikes (6 of 61 on a labelled set of 13 people, and 3 of 9 faces of the demo photos), while 0.5 filed every known face right and every stranger Unknown on the same measurements (docs/accuracy.md). It also equals the default clustering threshold, so a face is filed under a person exactly when clustering would have linked it to them. Use -Threshold 0.6 for the dlib convention. NearestLabel and NearestFace tell who came closest even for an unknown face; RunnerUpLabel and RunnerUpDistance name the second-nearest person, and Margin (the difference) flags close calls between look-alikes: a match with a margin under about 0.05 is worth a human look.

By default a face is compared with every face of every person (nearest neighbour); -Mode Medoid compares only with each person's medoid, which is faster on large references but less accurate (see docs/accuracy.md).
'@
        Inputs      = @('FaceCluster.FaceEncoding')
        Parameters  = @{
            Reference   = 'The known people: FaceCluster objects from Invoke-FaceClustering, or a dataset folder from Export-FaceDataset (folder names are the labels).'
            InputObject = 'The faces to file, usually from Get-FaceEncoding.'
            Threshold   = 'The largest distance that still counts as the same person (default: the reference faces'' model''s value, 0.5 for dlib, 0.8 for FaceRes). Lower is stricter; 0.6 is the dlib descriptor''s usual pair tolerance and lets more look-alikes in.'
            Mode        = 'NearestNeighbor (default) compares with every face of each person; Medoid only with each person''s medoid.'
        }
        Examples    = @(
            @{
                Code    = 'Export-VideoFrame ./today.mp4 | Get-FaceEncoding | Find-FaceCluster -Reference ./dataset'
                Remarks = 'Files the faces of today''s footage under the people named in yesterday''s dataset.'
            }
            @{
                Code    = '$filed = Get-FaceEncoding ./door-camera/*.jpg | Find-FaceCluster -Reference ./dataset; $filed | Where-Object { -not $_.IsUnknown -and $_.Margin -lt 0.05 }'
                Remarks = 'Lists the faces that were filed under a person only narrowly ahead of a look-alike (RunnerUpLabel names the other candidate), for a human to check.'
            }
            @{
                Code    = '$people = Import-FaceEncoding ./faces.jsonl | Invoke-FaceClustering; Get-FaceEncoding ./new.jpg | Find-FaceCluster $people -Threshold 0.5'
                Remarks = 'Matches the faces of a new photo against freshly clustered people with a stricter threshold.'
            }
        )
    }
    'Export-FaceDataset' = @{
        Synopsis    = 'Writes a training-ready dataset: one folder per person with portrait crops, aligned chips and a montage, plus manifests, index.html and optionally a YOLO detection dataset.'
        Description = @'
Export-FaceDataset writes, for each FaceCluster it receives, a folder named by the person's Label holding portrait crops (the face with margins of 100 pixels sideways and 150 vertically, clipped to the frame, scaled to 400 pixels wide), aligned 150x150 chips (the geometry the descriptor network uses), and a 480x600 montage of up to 25 faces in a 5x5 grid, the sharpest and most different faces first, captioned with the label. manifest.csv and manifest.json list every exported face (label, cluster id, source path, video path, frame index, timestamp, box, confidence, sharpness, file names); index.html shows every person's montage, count and label on one page for review in a browser.

-Format Yolo (or -Include ...,Yolo) adds yolo/: images/ and labels/ split into train and val (deterministically, -ValidationFraction), one "class cx cy w h" line per face normalised to the image beside it, and data.yaml with the names, ready for Ultralytics.

Noise is not a person: faces in no cluster are exported only with -IncludeNoise, into _unclustered/. A non-empty folder that is not a FaceCluster dataset is refused (OutputNotDataset) unless -Force, and even then only files this cmdlet wrote are replaced. Exporting into an existing dataset is an update that keeps hand corrections: a face already in it (same image content and box) stays in the folder it is in now, faces whose files were deleted stay out, the dataset's other faces stay, and a new person never gets a Person_N the dataset used before. Files an earlier export wrote that the update no longer writes stay (with a warning) unless -Force deletes them. The whole export is one transaction (staged in .facecluster-journal, then committed): Ctrl+C or kill -9 leaves the old dataset or, after the next command, the new one. -WhatIf lists every file operation. It emits one summary per person (Label, ClusterId, Folder, FaceCount, Files).

To name people, rename them with Rename-FaceCluster, or simply rename their folders in a file manager: the next read of the dataset (Invoke-FaceClustering -Reference, Find-FaceCluster -Reference) takes the folder name as the label.
'@
        Inputs      = @('FaceCluster.FaceCluster')
        Parameters  = @{
            InputObject        = 'The people to export, usually from Invoke-FaceClustering.'
            OutputPath         = 'The dataset folder, used as typed (no wildcards; -LiteralPath is an alias). Created if missing; an existing one must be a FaceCluster dataset (or use -Force).'
            Include            = 'What to write per person: Portraits, Chips, Montage, Yolo (comma-separated). Default: Portraits, Chips, Montage.'
            Format             = 'Yolo adds a YOLO detection dataset (yolo/images, yolo/labels, yolo/data.yaml) to what -Include selects.'
            ValidationFraction = 'The share of source images put in the YOLO validation split (0 to 0.9, default 0.2). The split is deterministic.'
            PortraitMarginX    = 'Pixels added left and right of the face box for portrait crops (default 100).'
            PortraitMarginY    = 'Pixels added above and below the face box for portrait crops (default 150).'
            PortraitWidth      = 'The width portrait crops are scaled to (default 400).'
            IncludeNoise       = 'Also exports the faces that belong to no person, into _unclustered/.'
            Force              = 'Writes into a non-empty folder that is not a FaceCluster dataset (files this cmdlet did not write are still left untouched); in an update, deletes the files an earlier export wrote that this one no longer writes.'
        }
        Examples    = @(
            @{
                Code    = 'Import-FaceEncoding ./faces.jsonl | Invoke-FaceClustering | Export-FaceDataset ./dataset'
                Remarks = 'Writes one folder per person with crops, chips and a montage, and ./dataset/index.html to review them.'
            }
            @{
                Code    = 'Invoke-FaceClustering -Path ./faces.jsonl | Export-FaceDataset ./training -Format Yolo -ValidationFraction 0.1'
                Remarks = 'Also writes a YOLO face-detection dataset with a 90/10 train/validation split.'
            }
            @{
                Code    = 'Import-FaceEncoding ./faces.jsonl | Invoke-FaceClustering | Export-FaceDataset ./dataset -WhatIf'
                Remarks = 'Lists the files that would be written, and writes nothing.'
            }
        )
    }
    'Merge-FaceCluster' = @{
        Synopsis    = 'Merges two or more people of an exported dataset into one person.'
        Description = @'
Merge-FaceCluster fixes the commonest clustering mistake, one person split into two clusters, in a dataset written by Export-FaceDataset. Give the people by -Label or by cluster -Id; they all become the first one given, which keeps its label and cluster id unless -NewLabel names the merged person.

The faces' portraits and chips move into the kept person's folder (a name already used there gets a _2 suffix), the montage is rebuilt from all the merged faces with the same face choice Export-FaceDataset uses, and manifest.json, manifest.csv and index.html list the faces under the kept person. With a YOLO dataset the merged-away people leave the names of yolo/data.yaml, and the class index of every label line is renumbered to match. A merged-away folder is removed when only files FaceCluster wrote are left in it; files it did not write are never deleted or overwritten, and their folder stays with a warning.

Fewer than two different people is refused (TooFewPeople), as are unknown people (ClusterNotFound), a -NewLabel another person already has (LabelConflict) and a -NewLabel that cannot be a folder name (LabelInvalid), as is a -Label that is not a plain folder name ('..', a path: LabelInvalid). A dataset whose manifest or marker names a path outside the dataset is refused (DatasetInvalid) and nothing is touched. -WhatIf lists every file it would move, write or remove and changes nothing. The merge is one transaction: Ctrl+C or kill -9 leaves the dataset as before it or, after the next command, as after it; merged people stay merged when the job runs again with -Reference. It emits the merged person's summary (Label, ClusterId, Folder, FaceCount, Files).
'@
        Inputs      = @('FaceCluster.FaceCluster', 'System.IO.DirectoryInfo')
        Parameters  = @{
            Path        = 'The dataset folder written by Export-FaceDataset (position 0). Wildcards are expanded; every dataset matched is merged in.'
            LiteralPath = 'The dataset folder, used exactly as typed. Binds from the pipeline by property name: PSPath or FullName (Get-Item), DatasetPath (people from Import-FaceDataset).'
            Label       = 'The people to merge, by current label (folder name; position 1). The first one is kept; the others are merged into it. Binds from the pipeline by property name: people piped in are gathered and merged once, in the order they came. Tab completes the people of the dataset.'
            Id          = 'The people to merge, by cluster id as shown in manifest.csv (position 1). The first one is kept. Tab completes the ids of the dataset.'
            NewLabel    = 'A name for the merged person (position 2). Without it the merged person keeps the first person''s label. It becomes a folder name, so path separators and reserved names are refused.'
        }
        Examples    = @(
            @{
                Code    = 'Merge-FaceCluster ./dataset -Label Alice, Person_7'
                Remarks = 'Person_7 was Alice all along: its faces move into Alice/, Alice''s montage is rebuilt and Person_7 disappears from the manifests, index.html and data.yaml.'
            }
            @{
                Code    = 'Merge-FaceCluster ./dataset -Id 2, 5, 9 -NewLabel Bob -WhatIf'
                Remarks = 'Shows what making clusters 2, 5 and 9 one person called Bob would move, write and remove, without changing anything.'
            }
            @{
                Code    = 'Import-FaceDataset ./dataset | Where-Object Label -in Alice, Person_7 | Merge-FaceCluster'
                Remarks = 'The same merge as the first example, choosing the people from Import-FaceDataset: their Label and DatasetPath bind by property name.'
            }
        )
    }
    'Import-FaceDataset' = @{
        Synopsis    = 'Reads the people of an exported dataset back as FaceCluster objects, as the folders now stand.'
        Description = @'
Import-FaceDataset reads a dataset folder written by Export-FaceDataset and emits one FaceCluster.FaceCluster per person, with the faces' descriptors, boxes and sources from the manifest. The folders on disk win over the manifest: a person folder renamed in a file manager gives the person its new label, and a portrait or chip moved into another person's folder (or a new folder) moves that face to that person. That makes hand corrections part of the data: move a wrongly filed face's portrait into the right folder, then import the dataset and export it again (for example with -Format Yolo) so the YOLO labels follow.

Each person carries a DatasetPath note property (the dataset it was read from), so people pipe straight into Rename-FaceCluster and Merge-FaceCluster (Label and DatasetPath bind by property name).

The clusters keep the manifest's Id and get their Medoid, MeanDistance and MaxDistance recomputed from the faces they hold now. A folder that is not a dataset gives a DatasetInvalid error and the other folders are still read; warnings say when a face file is found in two folders or faces have no file left.
'@
        Inputs      = @('System.String', 'System.IO.DirectoryInfo')
        Parameters  = @{
            Path         = 'Dataset folders written by Export-FaceDataset. Wildcards are expanded; DirectoryInfo objects bind by their PSPath or FullName.'
            LiteralPath  = 'Dataset folders, used exactly as typed (no wildcard expansion).'
            IncludeNoise = 'Also emits the unclustered faces (the _unclustered folder, written with Export-FaceDataset -IncludeNoise) as one cluster with Id 0 and IsNoise set.'
        }
        Examples    = @(
            @{
                Code    = 'Import-FaceDataset ./dataset'
                Remarks = 'Lists the people of a dataset with their face counts and medoids, including any renames and moves made by hand.'
            }
            @{
                Code    = 'Import-FaceDataset ./dataset | Export-FaceDataset ./dataset-v2 -Format Yolo'
                Remarks = 'After faces were moved between person folders by hand, writes a fresh dataset whose crops, manifests and YOLO labels follow the corrections (the source images must still exist).'
            }
            @{
                Code    = 'Export-VideoFrame ./today.mp4 | Get-FaceEncoding | Find-FaceCluster -Reference (Import-FaceDataset ./dataset)'
                Remarks = 'Uses the people of a dataset as the known people for filing new faces (passing the folder itself to -Reference does the same).'
            }
        )
    }
    'Rename-FaceCluster' = @{
        Synopsis    = 'Names a person of an exported dataset everywhere the name appears.'
        Description = @'
Rename-FaceCluster renames a person of a dataset written by Export-FaceDataset, chosen by current -Label or cluster -Id: the folder, the montage caption, the names in yolo/data.yaml, manifest.csv, manifest.json and index.html. A name already used by another person, or one that cannot be a folder name, is refused (LabelConflict, LabelInvalid). -WhatIf prints every file operation (folder move, files rewritten, marker). The rename is one transaction: Ctrl+C or kill -9 leaves the old or (after the next command) the new names everywhere. A person whose folder was deleted by hand is reported with a warning and kept in manifest.json, not dropped.

Names survive re-clustering: Invoke-FaceClustering -Reference <dataset> gives the new cluster of a named person the same name.
'@
        Inputs      = @('FaceCluster.FaceCluster', 'System.IO.DirectoryInfo')
        Parameters  = @{
            Path        = 'The dataset folder written by Export-FaceDataset (position 0). Wildcards are expanded; the person is renamed in every dataset matched.'
            LiteralPath = 'The dataset folder, used exactly as typed. Binds from the pipeline by property name: PSPath or FullName (Get-Item), DatasetPath (people from Import-FaceDataset).'
            Label       = 'The person''s current label (folder name; position 1). Binds from the pipeline by property name. Tab completes the people of the dataset.'
            Id          = 'The person''s cluster id, as shown in manifest.csv (position 1). Tab completes the ids of the dataset.'
            NewLabel    = 'The new name (position 2). It becomes a folder name, so path separators and reserved names are refused. Tab offers the labels already in the dataset.'
        }
        Examples    = @(
            @{
                Code    = 'Rename-FaceCluster ./dataset -Label Person_3 -NewLabel Alice'
                Remarks = 'Names person 3 Alice in the folder, montage, manifests, index.html and data.yaml.'
            }
            @{
                Code    = 'Rename-FaceCluster ./dataset -Id 1 -NewLabel Bob -WhatIf'
                Remarks = 'Shows what naming cluster 1 Bob would change, without changing anything.'
            }
            @{
                Code    = 'Import-FaceDataset ./dataset | Where-Object Label -eq Person_2 | Rename-FaceCluster -NewLabel Carol'
                Remarks = 'Picks the person from Import-FaceDataset: Label and DatasetPath bind by property name.'
            }
        )
    }
}
