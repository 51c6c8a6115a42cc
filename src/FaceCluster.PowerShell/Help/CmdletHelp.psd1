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
}
