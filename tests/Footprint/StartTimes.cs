using System.Globalization;
using System.Text.RegularExpressions;

namespace Footprint;

/// <summary>The agent's "Start timeline" log line (see NodeAgent.Hosting.StartTimeline), in milliseconds since Main.</summary>
internal sealed partial record StartTimes(double Config, double Host, double Recovery, double Bind, double Listening)
{
    public static StartTimes? Parse(string line)
    {
        var match = Timeline().Match(line);
        return match.Success
            ? new StartTimes(Ms(match, "config"), Ms(match, "host"), Ms(match, "recovery"), Ms(match, "bind"), Ms(match, "listening"))
            : null;
    }

    private static double Ms(Match match, string group) => double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Start timeline: config (?<config>[\d.]+) ms, host (?<host>[\d.]+) ms, recovery (?<recovery>[\d.]+) ms, bind (?<bind>[\d.]+) ms; listening (?<listening>[\d.]+) ms")]
    private static partial Regex Timeline();
}
