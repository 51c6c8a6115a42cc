using System.Runtime.InteropServices;
using FaceCluster.Native;
using OpenCvSharp;

namespace FaceCluster.Video;

/// <summary>
/// Decodes a video with the FFmpeg that OpenCvSharp's native library links statically and exports (Linux x64:
/// libOpenCvSharpExtern.so, FFmpeg 7.1), so that a frame is converted to BGR only when it is written, and cut detection
/// reads the few pixels it needs straight from the decoded planes. Through <see cref="VideoCapture"/> every frame that
/// cut detection looks at must first be converted whole (1.5-2.6 ms a 720p frame, more than the histogram by 15x):
/// OpenCV fixes its conversion at the first Retrieve, so a capture cannot give cheap pixels for most frames and BGR for
/// the samples (docs/video-frames.md).
/// </summary>
/// <remarks>
/// <para>Requires: FFmpeg 7.x inside the library (libswscale 8; of the version functions only libswscale's is
/// exported), the FFmpeg API exported, Linux x64. <see cref="Open"/> returns null with the reason otherwise, and the
/// extractor then uses <see cref="VideoCapture"/> as before.</para>
/// <para>Ensures: the frames, timestamps and BGR pixels of <see cref="VideoCapture"/> (FFMPEG backend) on the same
/// file: its stream (the first video stream), its decoder and thread count, its conversion call (sws_getCachedContext
/// to BGR24, SWS_BICUBIC, same size) and its CAP_PROP_POS_MSEC rule (the frame's pts, or its packet's dts when the pts
/// is missing or 0, from the stream's start, in the stream's time base). The struct fields read by offset are those of
/// FFmpeg 7.x's ABI (fields are only ever added at the end within a major version), and <see cref="FrameReader.Open"/>
/// checks every video's first two frames against <see cref="VideoCapture"/> before relying on it, so a runtime whose
/// layout or behaviour differs falls back instead of giving other frames. Only yuv420p is decoded here (the format of
/// H.264, HEVC, VP9, AV1 and MPEG-4 footage in practice); other formats, rotated videos (OpenCV turns them upright) and
/// seeks go through <see cref="VideoCapture"/>.</para>
/// </remarks>
internal sealed unsafe class FfmpegDecoder : IDisposable
{
    /// <summary>Set to <c>opencv</c> to decode every video through <see cref="VideoCapture"/> (an escape hatch, also for comparisons).</summary>
    public const string DecoderVariable = "FACECLUSTER_VIDEO_DECODER";

    private const int EAgain = -11, MediaTypeVideo = 0, PixelFormatYuv420p = 0, PixelFormatBgr24 = 3, SwsBicubic = 4;
    private const long NoPts = long.MinValue;
    // OpenCV's grabFrame gives up after this many packets of other streams, or frames the decoder could not make, in
    // one call (OPENCV_FFMPEG_READ_ATTEMPTS, OPENCV_FFMPEG_DECODE_ATTEMPTS; the same variables are read here).
    private static readonly int MaxReadAttempts = Attempts("OPENCV_FFMPEG_READ_ATTEMPTS", 4096);
    private static readonly int MaxDecodeAttempts = Attempts("OPENCV_FFMPEG_DECODE_ATTEMPTS", 64);
    private const int AverrorEof = -0x20464F45; // FFERRTAG('E','O','F',' ')
    // FFmpeg 7.x, x64: AVFormatContext.nb_streams, .streams; AVStream.index, .codecpar, .time_base, .start_time;
    // AVCodecParameters.codec_type; AVPacket.stream_index; AVFrame.data, .linesize, .width, .height, .format, .pts, .pkt_dts.
    private const int FormatNbStreams = 44, FormatStreams = 48;
    private const int StreamIndex = 8, StreamCodecpar = 16, StreamTimeBase = 32, StreamStartTime = 40, StreamNbFrames = 56;
    private const int CodecparType = 0, PacketStreamIndex = 36;
    private const int FrameLinesize = 64, FrameWidth = 104, FrameHeight = 108, FrameFormat = 116, FramePts = 136, FramePktDts = 144;

    private static readonly Lazy<(Api? Api, string Why)> Library = new(Load);

    private readonly Api api;
    private IntPtr format, codecContext, packet, frame, sws;
    private readonly int stream;
    private readonly double timeBase;
    private readonly long startTime, announcedFrames;
    private long decodedFrames;
    private bool flushed, ended;
    private int[] columns = [], rows = [];
    private int lastWidth, lastHeight, tinyLumaStride, tinyChromaStride;
    private byte* tinyLuma, tinyU, tinyV;
    private IntPtr tinySws;
    private readonly Mat tinyBgr = new();

    private FfmpegDecoder(Api api, IntPtr format, int stream, IntPtr codec, int threads)
    {
        this.api = api;
        this.format = format;
        this.stream = stream;
        IntPtr st = StreamAt(format, stream);
        int num = Marshal.ReadInt32(st, StreamTimeBase), den = Marshal.ReadInt32(st, StreamTimeBase + 4);
        // OpenCV's r2d.
        timeBase = num == 0 || den == 0 ? 0 : (double)num / den;
        startTime = Marshal.ReadInt64(st, StreamStartTime);
        if (startTime == NoPts) startTime = 0;
        announcedFrames = Marshal.ReadInt64(st, StreamNbFrames);
        try
        {
            codecContext = api.AvcodecAllocContext3(codec);
            if (codecContext == IntPtr.Zero) throw new DecodeException("avcodec_alloc_context3", -12);
            Check(api.AvcodecParametersToContext(codecContext, Marshal.ReadIntPtr(st, StreamCodecpar)), "avcodec_parameters_to_context");
            using (var name = new Utf8("threads")) Check(api.AvOptSetInt(codecContext, name, threads, 0), "threads");
            Check(api.AvcodecOpen2(codecContext, codec, IntPtr.Zero), "avcodec_open2");
            packet = api.AvPacketAlloc();
            frame = api.AvFrameAlloc();
            if (packet == IntPtr.Zero || frame == IntPtr.Zero) throw new DecodeException("av_frame_alloc", -12);
        }
        catch
        {
            // The caller still owns (and closes) the format context.
            this.format = IntPtr.Zero;
            Dispose();
            throw;
        }
    }

    /// <summary>Why direct decoding is not available in this process, or null when it is.</summary>
    public static string? Unavailable => Library.Value.Why is { Length: > 0 } why ? why : null;

    /// <summary>
    /// The decoder at the start of <paramref name="path"/>'s first video stream, or null with the reason when this
    /// process cannot decode directly (see the class remarks) or FFmpeg cannot open the file (the caller's
    /// <see cref="VideoCapture"/> then reports it as it always has).
    /// </summary>
    /// <param name="threads">Decoder threads, as OpenCV's CAP_PROP_N_THREADS (0: OpenCV's default, the cores up to 16).</param>
    public static FfmpegDecoder? Open(string path, int threads, out string why)
    {
        if (string.Equals(Environment.GetEnvironmentVariable(DecoderVariable), "opencv", StringComparison.OrdinalIgnoreCase))
        {
            why = $"{DecoderVariable}=opencv";
            return null;
        }
        var (api, unavailable) = Library.Value;
        if (api is null)
        {
            why = unavailable;
            return null;
        }
        IntPtr ic = IntPtr.Zero;
        try
        {
            int r;
            using (var url = new Utf8(path)) r = api.AvformatOpenInput(&ic, url, IntPtr.Zero, IntPtr.Zero);
            if (r < 0)
            {
                why = $"FFmpeg cannot open the file ({r})";
                return null;
            }
            if ((r = api.AvformatFindStreamInfo(ic, IntPtr.Zero)) < 0)
            {
                why = $"FFmpeg cannot read the streams ({r})";
                return null;
            }
            int count = Marshal.ReadInt32(ic, FormatNbStreams), video = -1;
            for (int i = 0; i < count && video < 0; i++)
            {
                IntPtr st = StreamAt(ic, i);
                if (Marshal.ReadInt32(st, StreamIndex) != i)
                {
                    why = "FFmpeg's stream layout is not the one expected";
                    return null;
                }
                if (Marshal.ReadInt32(Marshal.ReadIntPtr(st, StreamCodecpar), CodecparType) == MediaTypeVideo) video = i;
            }
            IntPtr codec = IntPtr.Zero;
            if (video < 0 || api.AvFindBestStream(ic, MediaTypeVideo, video, -1, &codec, 0) != video || codec == IntPtr.Zero)
            {
                why = "no video stream FFmpeg can decode";
                return null;
            }
            var decoder = new FfmpegDecoder(api, ic, video, codec, threads > 0 ? threads : Math.Min(Environment.ProcessorCount, 16));
            ic = IntPtr.Zero;
            why = "";
            return decoder;
        }
        catch (DecodeException ex)
        {
            why = ex.Message;
            return null;
        }
        finally
        {
            if (ic != IntPtr.Zero) api.AvformatCloseInput(&ic);
        }
    }

    /// <summary>Position of the current frame in milliseconds, as OpenCV's CAP_PROP_POS_MSEC.</summary>
    public double PositionMs { get; private set; }

    public int Width => Marshal.ReadInt32(frame, FrameWidth);
    public int Height => Marshal.ReadInt32(frame, FrameHeight);
    public int PixelFormat => Marshal.ReadInt32(frame, FrameFormat);

    /// <summary>Whether <see cref="PixelFormat"/> is one this class converts (yuv420p).</summary>
    public bool SupportedFormat => PixelFormat == PixelFormatYuv420p;

    /// <summary>The size and pixel format the codec context announces (read through FFmpeg's options, not by offset).</summary>
    public (int Width, int Height, int PixelFormat) Announced()
    {
        int w = 0, h = 0, f = -1;
        using (var size = new Utf8("video_size")) api.AvOptGetImageSize(codecContext, size, 0, &w, &h);
        using (var pix = new Utf8("pixel_format")) api.AvOptGetPixelFmt(codecContext, pix, 0, &f);
        return (w, h, f);
    }

    /// <summary>
    /// Decodes the next frame; false at the end of the stream, or where OpenCV's grabFrame stops: past the frame count the
    /// container announces, at a packet the decoder refuses, or after too many packets of other streams or undecodable
    /// frames in a row.
    /// </summary>
    public bool Next()
    {
        if (ended || (announcedFrames > 0 && decodedFrames > announcedFrames)) return false;
        int readAttempts = 0, decodeAttempts = 0;
        while (true)
        {
            int r = api.AvcodecReceiveFrame(codecContext, frame);
            if (r >= 0)
            {
                long pts = Marshal.ReadInt64(frame, FramePts), dts = Marshal.ReadInt64(frame, FramePktDts);
                long t = pts != NoPts && pts != 0 ? pts : dts;
                PositionMs = t == NoPts ? 0 : (double)(t - startTime) * timeBase * 1000;
                decodedFrames++;
                return true;
            }
            if (r != EAgain)
            {
                // The end of the flushed stream, or a frame the decoder could not make (OpenCV counts those and goes on).
                if (flushed || r == AverrorEof || ++decodeAttempts > MaxDecodeAttempts) return End();
                continue;
            }
            if (flushed) return End();
            r = api.AvReadFrame(format, packet);
            if (r == EAgain) continue;
            if (r == AverrorEof)
            {
                flushed = true;
                api.AvcodecSendPacket(codecContext, IntPtr.Zero);
                continue;
            }
            if (r < 0 || Marshal.ReadInt32(packet, PacketStreamIndex) != stream)
            {
                // Another stream's packet, or a read error short of the end: OpenCV counts it and reads on.
                api.AvPacketUnref(packet);
                if (++readAttempts > MaxReadAttempts) return End();
                continue;
            }
            r = api.AvcodecSendPacket(codecContext, packet);
            api.AvPacketUnref(packet);
            if (r < 0) return End();
        }
    }

    private bool End()
    {
        ended = true;
        return false;
    }

    /// <summary>The current frame's luma plane, in place (valid until the next <see cref="Next"/>; the bench's luma detectors).</summary>
    internal Mat Luma() => Mat.FromPixelData(Height, Width, MatType.CV_8UC1, Marshal.ReadIntPtr(frame), Marshal.ReadInt32(frame, FrameLinesize));

    /// <summary>The current frame in BGR, converted as OpenCV's capture converts it.</summary>
    public void Bgr(Mat bgr)
    {
        int w = Width, h = Height;
        sws = api.SwsGetCachedContext(sws, w, h, PixelFormat, w, h, PixelFormatBgr24, SwsBicubic, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero);
        if (sws == IntPtr.Zero) throw new DecodeException("sws_getCachedContext", -22);
        bgr.Create(h, w, MatType.CV_8UC3);
        IntPtr* dst = stackalloc IntPtr[4];
        int* dstStride = stackalloc int[4];
        dst[0] = bgr.Data;
        dstStride[0] = (int)bgr.Step();
        int rows = api.SwsScale(sws, frame, frame + FrameLinesize, 0, h, dst, dstStride);
        if (rows != h) throw new DecodeException("Converting the frame to BGR (sws_scale)", rows);
    }

    /// <summary>
    /// The current frame scaled to <paramref name="width"/> x <paramref name="height"/> BGR by nearest pixel: the pixels
    /// OpenCV's INTER_NEAREST resize would pick from <see cref="Bgr"/>'s frame, without converting the whole frame. Each
    /// picked pixel's luma goes into a 2x2 block of a small yuv420p image, its chroma sample beside it, and swscale
    /// converts that image with the frame's own call: yuv420p to BGR is computed pixel by pixel from the pixel's luma and
    /// its 2x2 block's chroma, so the result is the full conversion's value at each picked pixel (bit for bit where the
    /// frame's conversion is swscale's unscaled one, i.e. even heights; within a level or two otherwise).
    /// </summary>
    public void SmallBgr(Mat small, int width, int height)
    {
        if (!SupportedFormat) throw new DecodeException($"Reading pixel format {PixelFormat}", -22);
        int w = Width, h = Height;
        if (columns.Length != width || rows.Length != height || lastWidth != w || lastHeight != h)
        {
            columns = Nearest(w, width);
            rows = Nearest(h, height);
            (lastWidth, lastHeight) = (w, h);
            FreeTiny();
            // Strides in multiples of 64 bytes, buffers 64-byte aligned: swscale's SIMD path, as for the frames themselves.
            tinyLumaStride = (2 * width + 63) & ~63;
            tinyChromaStride = (width + 63) & ~63;
            tinyLuma = (byte*)NativeMemory.AlignedAlloc((nuint)(tinyLumaStride * 2 * height), 64);
            tinyU = (byte*)NativeMemory.AlignedAlloc((nuint)(tinyChromaStride * height), 64);
            tinyV = (byte*)NativeMemory.AlignedAlloc((nuint)(tinyChromaStride * height), 64);
        }
        byte* y = (byte*)Marshal.ReadIntPtr(frame, 0), u = (byte*)Marshal.ReadIntPtr(frame, 8), v = (byte*)Marshal.ReadIntPtr(frame, 16);
        int ys = Marshal.ReadInt32(frame, FrameLinesize), us = Marshal.ReadInt32(frame, FrameLinesize + 4), vs = Marshal.ReadInt32(frame, FrameLinesize + 8);
        for (int i = 0; i < height; i++)
        {
            int r = rows[i];
            byte* yr = y + (long)r * ys, ur = u + (long)(r >> 1) * us, vr = v + (long)(r >> 1) * vs;
            byte* top = tinyLuma + 2 * i * tinyLumaStride, bottom = top + tinyLumaStride;
            byte* uo = tinyU + i * tinyChromaStride, vo = tinyV + i * tinyChromaStride;
            for (int j = 0; j < width; j++)
            {
                int c = columns[j];
                byte luma = yr[c];
                top[2 * j] = top[2 * j + 1] = bottom[2 * j] = bottom[2 * j + 1] = luma;
                uo[j] = ur[c >> 1];
                vo[j] = vr[c >> 1];
            }
        }
        tinySws = api.SwsGetCachedContext(tinySws, 2 * width, 2 * height, PixelFormatYuv420p, 2 * width, 2 * height, PixelFormatBgr24, SwsBicubic, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero);
        if (tinySws == IntPtr.Zero) throw new DecodeException("sws_getCachedContext", -22);
        tinyBgr.Create(2 * height, 2 * width, MatType.CV_8UC3);
        IntPtr* src = stackalloc IntPtr[4];
        int* srcStride = stackalloc int[4];
        (src[0], src[1], src[2]) = ((IntPtr)tinyLuma, (IntPtr)tinyU, (IntPtr)tinyV);
        (srcStride[0], srcStride[1], srcStride[2]) = (tinyLumaStride, tinyChromaStride, tinyChromaStride);
        IntPtr* dst = stackalloc IntPtr[4];
        int* dstStride = stackalloc int[4];
        dst[0] = tinyBgr.Data;
        dstStride[0] = (int)tinyBgr.Step();
        int converted = api.SwsScale(tinySws, (IntPtr)src, (IntPtr)srcStride, 0, 2 * height, dst, dstStride);
        if (converted != 2 * height) throw new DecodeException("Converting cut detection's pixels (sws_scale)", converted);
        // Every other pixel of every other row: one per block.
        Cv2.Resize(tinyBgr, small, new Size(width, height), 0, 0, InterpolationFlags.Nearest);
    }

    private void FreeTiny()
    {
        NativeMemory.AlignedFree(tinyLuma);
        NativeMemory.AlignedFree(tinyU);
        NativeMemory.AlignedFree(tinyV);
        tinyLuma = tinyU = tinyV = null;
    }

    /// <summary>
    /// Source index of each destination index under OpenCV's INTER_NEAREST, computed as resizeNN computes it (the
    /// inverse of the destination-over-source scale, then floor), so that exact-integer boundaries round the same way.
    /// </summary>
    private static int[] Nearest(int source, int destination)
    {
        var map = new int[destination];
        double inverse = 1.0 / ((double)destination / source);
        for (int i = 0; i < destination; i++) map[i] = Math.Min((int)Math.Floor(i * inverse), source - 1);
        return map;
    }

    public void Dispose()
    {
        if (sws != IntPtr.Zero) api.SwsFreeContext(sws);
        if (tinySws != IntPtr.Zero) api.SwsFreeContext(tinySws);
        sws = tinySws = IntPtr.Zero;
        FreeTiny();
        tinyBgr.Dispose();
        fixed (IntPtr* f = &frame) if (frame != IntPtr.Zero) api.AvFrameFree(f);
        fixed (IntPtr* p = &packet) if (packet != IntPtr.Zero) api.AvPacketFree(p);
        fixed (IntPtr* c = &codecContext) if (codecContext != IntPtr.Zero) api.AvcodecFreeContext(c);
        fixed (IntPtr* ic = &format) if (format != IntPtr.Zero) api.AvformatCloseInput(ic);
    }

    private static int Attempts(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), out int n) && n > 0 ? n : fallback;

    private static IntPtr StreamAt(IntPtr format, int i) => Marshal.ReadIntPtr(Marshal.ReadIntPtr(format, FormatStreams), i * IntPtr.Size);

    private static void Check(int r, string what)
    {
        if (r < 0) throw new DecodeException(what, r);
    }

    private static (Api?, string) Load()
    {
        try
        {
            return Bind();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return (null, ex.Message);
        }
    }

    private static (Api?, string) Bind()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return (null, "not Linux x64");
        if (!NativeLibraries.TryGetOpenCvHandle(out var lib)) return (null, "OpenCvSharpExtern cannot be loaded");
        var api = new Api();
        if (!api.Bind(lib, out string missing)) return (null, $"the FFmpeg API is not exported ({missing})");
        uint version = api.SwscaleVersion();
        // libswscale 8 ships with FFmpeg 7.0 and 7.1 (libavformat 61, libavcodec 61, libavutil 59): the offsets above.
        if (version >> 16 != 8) return (null, $"libswscale {version >> 16}, not FFmpeg 7.x");
        return (api, "");
    }

    /// <summary>The FFmpeg functions, looked up by name in OpenCvSharp's library.</summary>
    private sealed class Api
    {
        public delegate* unmanaged<uint> SwscaleVersion;
        public delegate* unmanaged<IntPtr*, byte*, IntPtr, IntPtr, int> AvformatOpenInput;
        public delegate* unmanaged<IntPtr, IntPtr, int> AvformatFindStreamInfo;
        public delegate* unmanaged<IntPtr, int, int, int, IntPtr*, int, int> AvFindBestStream;
        public delegate* unmanaged<IntPtr*, void> AvformatCloseInput;
        public delegate* unmanaged<IntPtr, IntPtr> AvcodecAllocContext3;
        public delegate* unmanaged<IntPtr*, void> AvcodecFreeContext;
        public delegate* unmanaged<IntPtr, IntPtr, int> AvcodecParametersToContext;
        public delegate* unmanaged<IntPtr, byte*, long, int, int> AvOptSetInt;
        public delegate* unmanaged<IntPtr, byte*, int, int*, int*, int> AvOptGetImageSize;
        public delegate* unmanaged<IntPtr, byte*, int, int*, int> AvOptGetPixelFmt;
        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, int> AvcodecOpen2;
        public delegate* unmanaged<IntPtr> AvPacketAlloc;
        public delegate* unmanaged<IntPtr*, void> AvPacketFree;
        public delegate* unmanaged<IntPtr, void> AvPacketUnref;
        public delegate* unmanaged<IntPtr> AvFrameAlloc;
        public delegate* unmanaged<IntPtr*, void> AvFrameFree;
        public delegate* unmanaged<IntPtr, IntPtr, int> AvReadFrame;
        public delegate* unmanaged<IntPtr, IntPtr, int> AvcodecSendPacket;
        public delegate* unmanaged<IntPtr, IntPtr, int> AvcodecReceiveFrame;
        public delegate* unmanaged<IntPtr, int, int, int, int, int, int, int, IntPtr, IntPtr, IntPtr, IntPtr> SwsGetCachedContext;
        public delegate* unmanaged<IntPtr, IntPtr, IntPtr, int, int, IntPtr*, int*, int> SwsScale;
        public delegate* unmanaged<IntPtr, void> SwsFreeContext;

        public bool Bind(IntPtr lib, out string missing)
        {
            missing = "";
            IntPtr F(string name, ref string missing)
            {
                if (NativeLibrary.TryGetExport(lib, name, out var f)) return f;
                if (missing.Length == 0) missing = name;
                return IntPtr.Zero;
            }
            SwscaleVersion = (delegate* unmanaged<uint>)F("swscale_version", ref missing);
            AvformatOpenInput = (delegate* unmanaged<IntPtr*, byte*, IntPtr, IntPtr, int>)F("avformat_open_input", ref missing);
            AvformatFindStreamInfo = (delegate* unmanaged<IntPtr, IntPtr, int>)F("avformat_find_stream_info", ref missing);
            AvFindBestStream = (delegate* unmanaged<IntPtr, int, int, int, IntPtr*, int, int>)F("av_find_best_stream", ref missing);
            AvformatCloseInput = (delegate* unmanaged<IntPtr*, void>)F("avformat_close_input", ref missing);
            AvcodecAllocContext3 = (delegate* unmanaged<IntPtr, IntPtr>)F("avcodec_alloc_context3", ref missing);
            AvcodecFreeContext = (delegate* unmanaged<IntPtr*, void>)F("avcodec_free_context", ref missing);
            AvcodecParametersToContext = (delegate* unmanaged<IntPtr, IntPtr, int>)F("avcodec_parameters_to_context", ref missing);
            AvOptSetInt = (delegate* unmanaged<IntPtr, byte*, long, int, int>)F("av_opt_set_int", ref missing);
            AvOptGetImageSize = (delegate* unmanaged<IntPtr, byte*, int, int*, int*, int>)F("av_opt_get_image_size", ref missing);
            AvOptGetPixelFmt = (delegate* unmanaged<IntPtr, byte*, int, int*, int>)F("av_opt_get_pixel_fmt", ref missing);
            AvcodecOpen2 = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, int>)F("avcodec_open2", ref missing);
            AvPacketAlloc = (delegate* unmanaged<IntPtr>)F("av_packet_alloc", ref missing);
            AvPacketFree = (delegate* unmanaged<IntPtr*, void>)F("av_packet_free", ref missing);
            AvPacketUnref = (delegate* unmanaged<IntPtr, void>)F("av_packet_unref", ref missing);
            AvFrameAlloc = (delegate* unmanaged<IntPtr>)F("av_frame_alloc", ref missing);
            AvFrameFree = (delegate* unmanaged<IntPtr*, void>)F("av_frame_free", ref missing);
            AvReadFrame = (delegate* unmanaged<IntPtr, IntPtr, int>)F("av_read_frame", ref missing);
            AvcodecSendPacket = (delegate* unmanaged<IntPtr, IntPtr, int>)F("avcodec_send_packet", ref missing);
            AvcodecReceiveFrame = (delegate* unmanaged<IntPtr, IntPtr, int>)F("avcodec_receive_frame", ref missing);
            SwsGetCachedContext = (delegate* unmanaged<IntPtr, int, int, int, int, int, int, int, IntPtr, IntPtr, IntPtr, IntPtr>)F("sws_getCachedContext", ref missing);
            SwsScale = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, int, int, IntPtr*, int*, int>)F("sws_scale", ref missing);
            SwsFreeContext = (delegate* unmanaged<IntPtr, void>)F("sws_freeContext", ref missing);
            return missing.Length == 0;
        }
    }

    /// <summary>A NUL-terminated UTF-8 copy of a string in unmanaged memory, for the duration of one call.</summary>
    private readonly struct Utf8 : IDisposable
    {
        private readonly IntPtr pointer;
        public Utf8(string s) => pointer = Marshal.StringToCoTaskMemUTF8(s);
        public static implicit operator byte*(Utf8 s) => (byte*)s.pointer;
        public void Dispose() => Marshal.FreeCoTaskMem(pointer);
    }
}

/// <summary>Decoding or converting a frame failed; <see cref="Exception.Message"/> names the step and its error code.</summary>
internal sealed class DecodeException(string what, int code) : Exception($"{what} failed ({code})")
{
    public int Code { get; } = code;
}
