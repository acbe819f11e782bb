using Microsoft.Extensions.Time.Testing;
using NodeAgent.Coordinator;
using NodeAgent.Coordinator.Cluster;
using NodeAgent.Coordinator.Engine;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Cluster;

[Trait("Category", "Cluster")]
public sealed class AlertSilencesTests
{
    private static readonly HttpClient Http = new();

    private static readonly SilenceMatcher[] Matchers = [new("cluster", "prod-1"), new("alertname", "Kube.*", IsRegex: true)];

    [SkippableFact]
    public async Task Lifecycle_CreateListExtendExpire_AlertmanagerReportsEachState()
    {
        using var alertmanager = await AlertmanagerServer.StartAsync();
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var silences = new AlertSilences(Http, Options(alertmanager.Url), time);

        var created = await silences.CreateAsync(CancellationToken.None);
        var listed = await silences.ListAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(10));
        var extended = await silences.ExtendAsync(created.Id, CancellationToken.None);
        await silences.ExpireAsync(extended.Id, CancellationToken.None);
        var expired = await silences.GetAsync(extended.Id, CancellationToken.None);

        Assert.Equal("active", created.State);
        Assert.Equal([created.Id], listed.Select(s => s.Id));
        Assert.Equal(created.Id, extended.Id);
        Assert.Equal("active", extended.State);
        Assert.Equal(created.StartsAt, extended.StartsAt);
        Assert.InRange((extended.EndsAt - created.EndsAt).TotalMilliseconds, TimeSpan.FromMinutes(10).TotalMilliseconds - 1, TimeSpan.FromMinutes(10).TotalMilliseconds + 1);
        Assert.Equal("expired", expired?.State);
    }

    [SkippableFact]
    public async Task ListAsync_OtherMatchersOrCreator_NotListed()
    {
        using var alertmanager = await AlertmanagerServer.StartAsync();
        var ours = Silences(alertmanager);
        var otherMatchers = new AlertSilences(Http, Options(alertmanager.Url) with { Matchers = [new("cluster", "prod-2")] }, TimeProvider.System);
        var otherCreator = new AlertSilences(Http, Options(alertmanager.Url) with { CreatedBy = "someone-else" }, TimeProvider.System);
        var mine = await ours.CreateAsync(CancellationToken.None);
        await otherMatchers.CreateAsync(CancellationToken.None);
        await otherCreator.CreateAsync(CancellationToken.None);

        var listed = await ours.ListAsync(CancellationToken.None);

        Assert.Equal([mine], listed);
    }

    [SkippableFact]
    public async Task ExtendAsync_ExpiredSilence_AlertmanagerMakesANewActiveOne()
    {
        using var alertmanager = await AlertmanagerServer.StartAsync();
        var silences = Silences(alertmanager);
        var created = await silences.CreateAsync(CancellationToken.None);
        await silences.ExpireAsync(created.Id, CancellationToken.None);

        var extended = await silences.ExtendAsync(created.Id, CancellationToken.None);

        Assert.NotEqual(created.Id, extended.Id);
        Assert.Equal("active", extended.State);
        Assert.Equal("expired", (await silences.GetAsync(created.Id, CancellationToken.None))?.State);
    }

    [SkippableFact]
    public async Task ExpireAsync_TwiceOrUnknownId_IsNotAnError()
    {
        using var alertmanager = await AlertmanagerServer.StartAsync();
        var silences = Silences(alertmanager);
        var created = await silences.CreateAsync(CancellationToken.None);
        var unknown = Guid.NewGuid().ToString();

        await silences.ExpireAsync(created.Id, CancellationToken.None);
        await silences.ExpireAsync(created.Id, CancellationToken.None);
        await silences.ExpireAsync(unknown, CancellationToken.None);

        Assert.Equal("expired", (await silences.GetAsync(created.Id, CancellationToken.None))?.State);
        Assert.Null(await silences.GetAsync(unknown, CancellationToken.None));
    }

    [SkippableFact]
    public async Task ExtendAsync_UnknownId_ThrowsSayingSo()
    {
        using var alertmanager = await AlertmanagerServer.StartAsync();
        var silences = Silences(alertmanager);
        var unknown = Guid.NewGuid().ToString();

        var error = await Assert.ThrowsAsync<CoordinatorException>(() => silences.ExtendAsync(unknown, CancellationToken.None));

        Assert.Contains($"has no silence {unknown} to extend", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task CreateAsync_UrlThatIsNotAlertmanagersApi_ThrowsWithStatusAndBody()
    {
        using var alertmanager = await AlertmanagerServer.StartAsync();
        var silences = new AlertSilences(Http, Options(new Uri(alertmanager.Url, "not-here/")), TimeProvider.System);

        var error = await Assert.ThrowsAsync<CoordinatorException>(() => silences.CreateAsync(CancellationToken.None));

        Assert.Contains("refused POST silences: HTTP 404 NotFound", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_AlertmanagerDown_ThrowsSayingItDidNotAnswer()
    {
        var url = new Uri($"http://127.0.0.1:{StandIn.FreePort()}/");
        var silences = new AlertSilences(Http, Options(url), TimeProvider.System);

        var error = await Assert.ThrowsAsync<CoordinatorException>(() => silences.CreateAsync(CancellationToken.None));

        Assert.Contains($"Alertmanager at {url} did not answer POST silences", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_GoodOptions_NoProblems()
    {
        Assert.Empty(SilenceOptions.Validate(Options(new Uri("https://alertmanager.example:9093/"))));
    }

    [Fact]
    public void Validate_BadOptions_NamesEveryProblem()
    {
        var options = new SilenceOptions(new Uri("ftp://alertmanager.example/"), [new("", "x"), new("9lives", "y")], TimeSpan.FromSeconds(30), " ", "");

        var problems = SilenceOptions.Validate(options);

        Assert.Equal(
            [
                "url: \"ftp://alertmanager.example/\" is not an absolute http or https URL",
                "matchers[0].name: \"\" is not a label name (a letter or '_', then letters, digits or '_')",
                "matchers[1].name: \"9lives\" is not a label name (a letter or '_', then letters, digits or '_')",
                "duration: 00:00:30 is outside 00:01:00 to 7.00:00:00",
                "createdBy: is required (Alertmanager refuses a silence without it)",
                "comment: is required (Alertmanager refuses a silence without it)",
            ],
            problems);
    }

    [Fact]
    public void Validate_NoMatchersRelativeUrlTooLong_NamesEach()
    {
        var options = Options(new Uri("alertmanager/api", UriKind.Relative)) with { Matchers = [], Duration = TimeSpan.FromDays(8) };

        var problems = SilenceOptions.Validate(options);

        Assert.Equal(
            [
                "url: \"alertmanager/api\" is not an absolute http or https URL",
                "matchers: at least one matcher is required, or the silence would match every alert",
                "duration: 8.00:00:00 is outside 00:01:00 to 7.00:00:00",
            ],
            problems);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsListingTheProblems()
    {

        var error = Assert.Throws<ArgumentException>(() => new AlertSilences(Http, Options(new Uri("ftp://x/")) with { Matchers = [] }, TimeProvider.System));

        Assert.Contains("url: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("matchers: ", error.Message, StringComparison.Ordinal);
    }

    private static AlertSilences Silences(ServerProcess alertmanager) => new(Http, Options(alertmanager.Url), TimeProvider.System);

    private static SilenceOptions Options(Uri url) =>
        new(url, Matchers, TimeSpan.FromHours(1), "nodeagent-coordinator", "rollout r1 upgrades the nodes");
}
