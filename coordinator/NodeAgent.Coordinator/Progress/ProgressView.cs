using Spectre.Console;

namespace NodeAgent.Coordinator.Progress;

/// <summary>
/// Shows a rollout's progress: a live Spectre.Console panel on a terminal, plain timestamped lines otherwise
/// (CI logs, pipes, --plain). The panel is a summary (counts per state, the slowest and the failed nodes, ETA, the last
/// lines), never a row per node, so it keeps its size at 5,000 nodes; the report has the complete node table.
/// </summary>
internal static class ProgressView
{
    public static async Task<T> RunAsync<T>(RolloutProgress progress, int concurrency, bool live, TextWriter plain, Func<Task<T>> work)
    {
        if (!live)
        {
            progress.Line += line => plain.WriteLine(line);
            return await work();
        }

        var recent = new Queue<string>();
        progress.Line += line =>
        {
            lock (recent)
            {
                recent.Enqueue(line);
                while (recent.Count > 8)
                {
                    recent.Dequeue();
                }
            }
        };
        T result = default!;
        await AnsiConsole.Live(Render(progress, concurrency, recent)).StartAsync(async context =>
        {
            var running = work();
            while (!running.IsCompleted)
            {
                context.UpdateTarget(Render(progress, concurrency, recent));
                await Task.WhenAny(running, Task.Delay(TimeSpan.FromMilliseconds(250), TimeProvider.System));
            }

            context.UpdateTarget(Render(progress, concurrency, recent));
            result = await running;
        });
        return result;
    }

    private static Panel Render(RolloutProgress progress, int concurrency, Queue<string> recent)
    {
        var eta = progress.Eta(concurrency);
        var table = new Table().HideHeaders().Border(TableBorder.None).AddColumn("").AddColumn("");
        table.AddRow("phase", Markup.Escape(progress.Paused ? $"{progress.Phase} (PAUSED)" : progress.Phase));
        table.AddRow("batch", progress.Batches == 0 ? "-" : $"{progress.Batch} of {progress.Batches}");
        table.AddRow("nodes", $"[green]{progress.Succeeded} ok[/]  [red]{progress.Failed} failed[/]  [yellow]{progress.InFlight} in flight[/]  of {progress.Total}");
        table.AddRow("eta", eta is null ? "-" : $"{eta.Value:hh\\:mm\\:ss}");
        var slowest = progress.Slowest();
        table.AddRow("slowest", slowest.Count == 0 ? "-" : Markup.Escape(string.Join(", ", slowest.Select(s => $"{s.Node} {s.Seconds:0.0}s"))));
        var failed = progress.FailedNodes();
        table.AddRow("failed", failed.Count == 0 ? "-" : $"[red]{Markup.Escape(string.Join(", ", failed.Take(5)) + (failed.Count > 5 ? $" and {failed.Count - 5} more" : ""))}[/]");
        string[] lines;
        lock (recent)
        {
            lines = [.. recent];
        }

        table.AddRow("", Markup.Escape(string.Join("\n", lines)));
        return new Panel(table).Header("nodeagent rollout");
    }
}
