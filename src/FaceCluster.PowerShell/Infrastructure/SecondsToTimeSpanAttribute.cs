using System.Globalization;
using System.Management.Automation;

namespace FaceCluster.PowerShell.Infrastructure;

/// <summary>
/// Lets a TimeSpan parameter take a number of seconds: <c>-EndTime 7</c> is 7 seconds, <c>-StartTime 1.5</c> 1.5 s.
/// PowerShell's own conversion turns a number into ticks (7 = 700 ns), which silently selects almost nothing.
/// TimeSpan values and strings such as '00:01:30' convert as usual.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SecondsToTimeSpanAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        switch (value)
        {
            case null or TimeSpan:
                return value;
            case byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal:
                return FromSeconds(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds):
                return FromSeconds(seconds);
            default:
                return inputData; // '00:01:30' and the like: the binder's usual TimeSpan conversion
        }
    }

    private static TimeSpan FromSeconds(double seconds)
    {
        if (!double.IsFinite(seconds) || Math.Abs(seconds) > TimeSpan.MaxValue.TotalSeconds)
            throw new ArgumentTransformationMetadataException($"{seconds} seconds is not a valid time.");
        return TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
    }
}
