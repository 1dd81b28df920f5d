using Microsoft.Extensions.Diagnostics.HealthChecks;
using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Hosting;

/// <summary>Healthy when the SQLite file answers a query (<c>/healthz</c>).</summary>
internal sealed class DatabaseHealthCheck(Database database) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            database.Read(static connection =>
            {
                using var command = connection.Command("SELECT 1;");
                return command.ExecuteScalar();
            });
            return Task.FromResult(HealthCheckResult.Healthy());
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the database does not answer", e));
        }
    }
}
