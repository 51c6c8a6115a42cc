using System.Runtime.InteropServices;
using OpenCvSharp;

namespace FaceCluster.Bench;

/// <summary>
/// A proof of concept for issue 13's lever 1, in the bench only: decoding through the FFmpeg that
/// libOpenCvSharpExtern.so links statically and exports (Linux x64), so that every frame's luma plane is read in place
/// and only the sampled frames are converted to BGR, with the very conversion OpenCV's capture makes
/// (sws_getCachedContext to BGR24, SWS_BICUBIC, same size). Timestamps follow OpenCV's CAP_PROP_POS_MSEC (the frame's pts,
/// or its packet dts when the pts is missing or 0, from the stream's start time). Struct offsets are those of the FFmpeg 7.1
/// ABI inside OpenCvSharp 4.13.0.20260627 (libavformat 61, libavcodec 61, libavutil 59); <see cref="Open"/> refuses another
/// FFmpeg major version. `bench shots` checks frame for frame that timestamps, luma and sampled BGR equal OpenCV's.
/// </summary>
internal sealed class DirectDecoder : IDisposable
{
    private const string Lib = "OpenCvSharpExtern";
    private const int EAgain = -11, MediaTypeVideo = 0, PixelFormatBgr24 = 3, SwsBicubic = 4;
    private const long NoPts = long.MinValue;
    // AVFormatContext.streams; AVStream.codecpar, time_base, start_time; AVPacket.stream_index;
    // AVFrame.data, linesize, width, height, format, pts, pkt_dts (FFmpeg 7.1, x64).
    private const int FormatStreams = 48, StreamCodecpar = 16, StreamTimeBase = 32, StreamStartTime = 40, PacketStreamIndex = 36;
    private const int FrameLinesize = 64, FrameWidth = 104, FrameHeight = 108, FrameFormat = 116, FramePts = 136, FramePktDts = 144;

    private IntPtr format, codecContext, packet, frame, sws;
    private readonly int stream;
    private readonly double timeBase;
    private readonly long startTime;
    private bool flushed;
    private readonly IntPtr[] dst = new IntPtr[4];
    private readonly int[] dstStride = new int[4];

    private DirectDecoder(IntPtr format, int stream, IntPtr codec, int threads)
    {
        this.format = format;
        this.stream = stream;
        IntPtr st = Marshal.ReadIntPtr(Marshal.ReadIntPtr(format, FormatStreams), stream * IntPtr.Size);
        timeBase = (double)Marshal.ReadInt32(st, StreamTimeBase) / Marshal.ReadInt32(st, StreamTimeBase + 4);
        startTime = Marshal.ReadInt64(st, StreamStartTime);
        codecContext = avcodec_alloc_context3(codec);
        Check(avcodec_parameters_to_context(codecContext, Marshal.ReadIntPtr(st, StreamCodecpar)), "avcodec_parameters_to_context");
        Check(av_opt_set_int(codecContext, "threads", threads, 0), "threads");
        Check(avcodec_open2(codecContext, codec, IntPtr.Zero), "avcodec_open2");
        packet = av_packet_alloc();
        frame = av_frame_alloc();
    }

    /// <summary>The decoder, or null with the reason when this is not the FFmpeg whose ABI the offsets describe.</summary>
    public static DirectDecoder? Open(string path, int threads, out string why)
    {
        why = "";
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) { why = "not Linux x64"; return null; }
        try
        {
            // Of the version functions only libswscale's is exported; its major 8 is FFmpeg 7.x, whose libavformat 61,
            // libavcodec 61 and libavutil 59 the offsets describe.
            uint sws = swscale_version();
            if (sws >> 16 != 8) { why = $"libswscale {sws >> 16}: not FFmpeg 7.x"; return null; }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { why = "FFmpeg API not exported: " + e.Message; return null; }
        IntPtr ic = IntPtr.Zero;
        Check(avformat_open_input(ref ic, path, IntPtr.Zero, IntPtr.Zero), "avformat_open_input");
        Check(avformat_find_stream_info(ic, IntPtr.Zero), "avformat_find_stream_info");
        int s = av_find_best_stream(ic, MediaTypeVideo, -1, -1, out IntPtr codec, 0);
        Check(s, "av_find_best_stream");
        return new DirectDecoder(ic, s, codec, threads);
    }

    public int Width => Marshal.ReadInt32(frame, FrameWidth);
    public int Height => Marshal.ReadInt32(frame, FrameHeight);
    public int PixelFormat => Marshal.ReadInt32(frame, FrameFormat);

    /// <summary>Decodes the next frame; false at the end of the stream. <paramref name="positionMs"/> as OpenCV's CAP_PROP_POS_MSEC.</summary>
    public bool Next(out double positionMs)
    {
        positionMs = 0;
        while (true)
        {
            int r = avcodec_receive_frame(codecContext, frame);
            if (r == EAgain)
            {
                if (flushed) return false;
                if (av_read_frame(format, packet) < 0)
                {
                    Check(avcodec_send_packet(codecContext, IntPtr.Zero), "flush");
                    flushed = true;
                    continue;
                }
                if (Marshal.ReadInt32(packet, PacketStreamIndex) == stream) avcodec_send_packet(codecContext, packet);
                av_packet_unref(packet);
                continue;
            }
            if (r < 0) return false;
            long pts = Marshal.ReadInt64(frame, FramePts), dts = Marshal.ReadInt64(frame, FramePktDts);
            positionMs = ((pts != NoPts && pts != 0 ? pts : dts) - startTime) * timeBase * 1000;
            return true;
        }
    }

    /// <summary>The frame's luma plane, in place (valid until the next <see cref="Next"/>).</summary>
    public Mat Luma() => Mat.FromPixelData(Height, Width, MatType.CV_8UC1, Marshal.ReadIntPtr(frame), Marshal.ReadInt32(frame, FrameLinesize));

    /// <summary>The frame in BGR, converted as OpenCV's capture converts it.</summary>
    public void Bgr(Mat bgr)
    {
        int w = Width, h = Height;
        sws = sws_getCachedContext(sws, w, h, PixelFormat, w, h, PixelFormatBgr24, SwsBicubic, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero);
        bgr.Create(h, w, MatType.CV_8UC3);
        dst[0] = bgr.Data;
        dstStride[0] = (int)bgr.Step();
        sws_scale(sws, frame, frame + FrameLinesize, 0, h, dst, dstStride);
    }

    public void Dispose()
    {
        if (sws != IntPtr.Zero) sws_freeContext(sws);
        sws = IntPtr.Zero;
        if (frame != IntPtr.Zero) av_frame_free(ref frame);
        if (packet != IntPtr.Zero) av_packet_free(ref packet);
        if (codecContext != IntPtr.Zero) avcodec_free_context(ref codecContext);
        if (format != IntPtr.Zero) avformat_close_input(ref format);
    }

    private static void Check(int r, string what)
    {
        if (r < 0) throw new InvalidOperationException($"FFmpeg {what} failed ({r})");
    }

    [DllImport(Lib)] private static extern uint swscale_version();
    [DllImport(Lib)] private static extern int avformat_open_input(ref IntPtr ps, [MarshalAs(UnmanagedType.LPUTF8Str)] string url, IntPtr fmt, IntPtr options);
    [DllImport(Lib)] private static extern int avformat_find_stream_info(IntPtr ic, IntPtr options);
    [DllImport(Lib)] private static extern int av_find_best_stream(IntPtr ic, int type, int wanted, int related, out IntPtr decoder, int flags);
    [DllImport(Lib)] private static extern void avformat_close_input(ref IntPtr ps);
    [DllImport(Lib)] private static extern IntPtr avcodec_alloc_context3(IntPtr codec);
    [DllImport(Lib)] private static extern void avcodec_free_context(ref IntPtr ctx);
    [DllImport(Lib)] private static extern int avcodec_parameters_to_context(IntPtr ctx, IntPtr par);
    [DllImport(Lib)] private static extern int av_opt_set_int(IntPtr obj, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, long val, int flags);
    [DllImport(Lib)] private static extern int avcodec_open2(IntPtr ctx, IntPtr codec, IntPtr options);
    [DllImport(Lib)] private static extern IntPtr av_packet_alloc();
    [DllImport(Lib)] private static extern void av_packet_free(ref IntPtr pkt);
    [DllImport(Lib)] private static extern void av_packet_unref(IntPtr pkt);
    [DllImport(Lib)] private static extern IntPtr av_frame_alloc();
    [DllImport(Lib)] private static extern void av_frame_free(ref IntPtr frame);
    [DllImport(Lib)] private static extern int av_read_frame(IntPtr ic, IntPtr pkt);
    [DllImport(Lib)] private static extern int avcodec_send_packet(IntPtr ctx, IntPtr pkt);
    [DllImport(Lib)] private static extern int avcodec_receive_frame(IntPtr ctx, IntPtr frame);
    [DllImport(Lib)] private static extern IntPtr sws_getCachedContext(IntPtr c, int sw, int sh, int sf, int dw, int dh, int df, int flags, IntPtr a, IntPtr b, IntPtr p);
    [DllImport(Lib)] private static extern int sws_scale(IntPtr c, IntPtr src, IntPtr srcStride, int y, int h, IntPtr[] dst, int[] dstStride);
    [DllImport(Lib)] private static extern void sws_freeContext(IntPtr c);
}
