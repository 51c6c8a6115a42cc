# The prose of the module's help. tools/New-ModuleHelp.ps1 combines it with each cmdlet's metadata into MAML.
@{
    'Get-FaceEncoding' = @{
        Synopsis    = 'Finds, aligns and describes every face in images and video frames.'
        Description = @'
Get-FaceEncoding detects faces with MediaPipe BlazeFace (run by OpenCV DNN), aligns each face to the 150x150 chip geometry the dlib face-recognition ResNet was trained on, and computes its 128-d descriptor with ONNX Runtime. It emits one FaceCluster.FaceEncoding per face, in input order: a stable Id (the same for the same file and box on every run), the image Path, VideoPath/FrameIndex/Timestamp when the image is a video frame from Export-VideoFrames, the Box and six Landmarks in source pixels, the detector Confidence, the chip's Sharpness (variance of the Laplacian; low is blurry) and the Descriptor.

Two descriptors of the same person are usually less than 0.6 apart (Euclidean); lower is stricter. Images with no face produce no object (-Verbose says so). Large photos are searched at several scales so that faces down to about 40 pixels across are found, and photos that are already tight face crops are retried on a padded canvas.

Image formats are recognised by content, not by extension: JPEG, PNG, BMP, WebP and TIFF; grey, RGBA and 16-bit images; EXIF orientation is honoured. A missing file gives a PathNotFound error and an unreadable one an ImageDecodeFailed error; the other inputs are still processed.

-ThrottleLimit images are processed at once; results still come out in input order, and at most two images per worker are held in memory, however long the input. Ctrl+C stops within a second.
'@
        Inputs      = @('System.String', 'System.IO.FileInfo', 'FaceCluster.VideoFrame')
        Parameters  = @{
            Path          = 'Image files to search. Wildcards are expanded. FileInfo objects (Get-ChildItem) bind by their PSPath or FullName, VideoFrame objects (Export-VideoFrames) by their Path, and strings by value.'
            LiteralPath   = 'Image files to search, used exactly as typed (no wildcard expansion).'
            VideoPath     = 'Set by the pipeline from VideoFrame objects: the video the frame came from. Not normally typed.'
            FrameIndex    = 'Set by the pipeline from VideoFrame objects (their Index). Not normally typed.'
            Timestamp     = 'Set by the pipeline from VideoFrame objects: the frame''s time in the video. Not normally typed.'
            Detector      = 'FullRange (default) finds faces up to about 5 m from the camera, as in footage and group photos; ShortRange is tuned for close-ups within about 2 m, such as webcam frames and portraits.'
            MinConfidence = 'Detections scoring below this (0 to 1) are ignored. Default 0.5; raise it to drop doubtful faces, lower it to find more at the cost of false faces.'
            MinFaceSize   = 'Faces narrower than this many pixels in the source image are ignored. Default 20; descriptors of faces under about 40 pixels are less reliable.'
            ThrottleLimit = 'How many images are processed at once (1 to 64). Default: the number of processors. Output order does not depend on it.'
            CachePath     = 'A folder that keeps one small encoding store per source image, keyed by the image''s content (SHA-256) and the detector settings. A rerun after Ctrl+C or a crash encodes only the images that are not cached yet; a moved or renamed image is still found by its content. -Verbose reports how many images came from the cache.'
        }
        Examples    = @(
            @{
                Code    = 'Get-FaceEncoding -Path ./photos/*.jpg'
                Remarks = 'Finds and describes every face in the JPEG files of ./photos, using all processors.'
            }
            @{
                Code    = 'Export-VideoFrames ./party.mp4 | Get-FaceEncoding -ThrottleLimit 4 | Export-FaceEncoding ./party.faces.jsonl'
                Remarks = 'Samples one frame per second from a video and encodes the faces while the next frames are being decoded; each face remembers its video, frame index and timestamp.'
            }
            @{
                Code    = '$faces = Get-FaceEncoding -LiteralPath ./portrait[1].png -Detector ShortRange -MinConfidence 0.7 -Verbose'
                Remarks = 'Uses the short-range detector on a close-up with a stricter confidence; -Verbose reports images in which no face was found.'
            }
        )
    }

    'Export-VideoFrames' = @{
        Synopsis    = 'Samples frames from videos (by default one per second, at most 700x500) and writes them as images.'
        Description = @'
Export-VideoFrames reads a video with OpenCV's FFmpeg backend and keeps frame k at the first frame whose presentation time is at or after k / FramesPerSecond seconds, so variable frame rates and containers that report a wrong frame count come out right, and the end of the stream always ends the loop. Frames are scaled down (never up), keeping the aspect ratio, until they fit MaxWidth x MaxHeight, and written as <video name>_<index>.jpg (or .png) into -OutputPath, by default ./Frames/<video name>/. Skipped frames are only grabbed, not converted, so sampling one frame per second costs less than decoding every frame.

Each frame is emitted as a FaceCluster.VideoFrame (VideoPath, Index, Timestamp, Path, Width, Height) as soon as it is written, so piping into Get-FaceEncoding overlaps decoding and encoding.

Nothing is ever deleted. Frames that already exist with the same name are reused, so a run that was interrupted resumes where it stopped; -Force rewrites them. -WhatIf lists the frames that would be written. Writes are atomic (temporary file, then rename). A missing file, something that is not a video, or an unsupported codec gives an error (VideoNotFound, VideoOpenFailed, VideoCodecUnsupported); a stream that breaks in the middle gives VideoReadFailed and keeps the frames already extracted; a stream that ends early gives a VideoTruncated warning.
'@
        Inputs      = @('System.String', 'System.IO.FileInfo')
        Parameters  = @{
            Path            = 'Video files; wildcards are expanded. FileInfo objects bind by their PSPath or FullName, strings by value.'
            LiteralPath     = 'Video files, used exactly as typed (no wildcard expansion).'
            FramesPerSecond = 'Frames sampled per second of video. Default 1; fractions are allowed (0.2 keeps one frame every 5 seconds).'
            MaxWidth        = 'Frames wider than this are scaled down, keeping the aspect ratio. Default 700; 0 means no limit.'
            MaxHeight       = 'Frames taller than this are scaled down, keeping the aspect ratio. Default 500; 0 means no limit.'
            OutputPath      = 'The folder for the frame images. Default: ./Frames/<video name>/. It is created if missing.'
            Format          = 'Jpg (default, quality 92) or Png (lossless, larger).'
            StartTime       = 'The first sample time (inclusive), for example 00:01:30. Default: the start of the video.'
            EndTime         = 'The last sample time (inclusive). Default: the end of the video.'
            Force           = 'Rewrites frame images that already exist instead of reusing them.'
        }
        Examples    = @(
            @{
                Code    = 'Export-VideoFrames ./party.mp4'
                Remarks = 'Writes one frame per second of party.mp4, at most 700x500, to ./Frames/party/ and emits a VideoFrame for each.'
            }
            @{
                Code    = 'Export-VideoFrames ./videos/*.mp4 -FramesPerSecond 0.2 -OutputPath ./frames | Get-FaceEncoding | Export-FaceEncoding ./faces.jsonl'
                Remarks = 'Keeps one frame every five seconds of every video and encodes the faces while the videos are still being read.'
            }
            @{
                Code    = 'Export-VideoFrames ./party.mp4 -StartTime 00:10:00 -EndTime 00:12:00 -WhatIf'
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
            Path        = 'The store file to write.'
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
            Path        = 'Store files; wildcards are expanded. FileInfo objects bind by their PSPath or FullName.'
            LiteralPath = 'Store files, used exactly as typed (no wildcard expansion).'
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
}
