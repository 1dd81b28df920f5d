using Microsoft.Playwright;

namespace Zespan.DevServer.Tests.Viewer;

/// <summary>
/// One headless Debian Chromium (<c>/usr/bin/chromium</c>) driven by Playwright, shared by a test class. Playwright's
/// own browser download is never used; when the system browser is missing the tests fail with a message saying
/// how to install it (./test.sh does).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"The viewer tests need Debian's Chromium at {ChromiumPath}, and it is missing. Install it with " +
                "'apt-get install -y --no-install-recommends chromium' (./test.sh does this before running the tests).");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        Assertions.SetDefaultExpectTimeout(20_000);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
