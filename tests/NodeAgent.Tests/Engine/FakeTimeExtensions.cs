using Microsoft.Extensions.Time.Testing;

namespace NodeAgent.Tests.Engine;

internal static class FakeTimeExtensions
{
    /// <summary>Completes once the fake clock has been moved to <paramref name="at"/>.</summary>
    public static Task WaitUntilAsync(this FakeTimeProvider time, DateTimeOffset at)
    {
        var left = at - time.GetUtcNow();
        return left <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(left, time);
    }
}
