namespace FaceCluster.Video;

/// <summary>Stable error codes of video operations; the cmdlets use <c>code.ToString()</c> as the ErrorRecord id.</summary>
public enum VideoErrorCode
{
    /// <summary>The video file does not exist.</summary>
    VideoNotFound,
    /// <summary>FFmpeg could not open the file: not a video, or an unknown container.</summary>
    VideoOpenFailed,
    /// <summary>The container opened but not a single frame could be decoded (codec not supported, or corrupt from the start).</summary>
    VideoCodecUnsupported,
    /// <summary>Decoding failed in the middle; the frames written before are kept (and were already returned).</summary>
    VideoReadFailed,
    /// <summary>Warning: the stream ended well before the length its container announced (truncated or corrupt file).</summary>
    VideoTruncated,
    /// <summary>A frame image could not be written (disk full, no permission...).</summary>
    FrameWriteFailed,
    /// <summary>A sample-footage video could not be created.</summary>
    VideoWriteFailed,
}

/// <summary>A video operation failed; <see cref="Code"/> says how.</summary>
public sealed class VideoException : Exception
{
    public VideoException(VideoErrorCode code, string videoPath, string message, int framesWritten = 0, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        VideoPath = videoPath;
        FramesWritten = framesWritten;
    }

    public VideoErrorCode Code { get; }
    public string VideoPath { get; }
    /// <summary>Frames produced (written or reused) before the failure; they stay on disk.</summary>
    public int FramesWritten { get; }
}
