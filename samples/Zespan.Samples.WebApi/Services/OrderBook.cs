namespace Zespan.Samples.WebApi.Services;

/// <summary>An order as the agent's tools see it.</summary>
/// <param name="OrderId">The order id.</param>
/// <param name="Found">Whether the order exists.</param>
/// <param name="Status">Its status (<c>delivered</c>, <c>shipped</c>, ...).</param>
/// <param name="Total">Its amount in USD.</param>
/// <param name="DeliveredDaysAgo">Days since delivery, when delivered.</param>
public sealed record Order(string OrderId, bool Found, string Status, decimal Total, int? DeliveredDaysAgo);

/// <summary>The store's orders: an in-memory stand-in for a database, asynchronous like one.</summary>
public sealed class OrderBook
{
    private readonly Dictionary<string, Order> _orders = new(StringComparer.OrdinalIgnoreCase)
    {
        ["A-1001"] = new("A-1001", true, "delivered", 129.90m, 12),
        ["A-1002"] = new("A-1002", true, "shipped", 54.00m, null),
        ["A-1003"] = new("A-1003", true, "delivered", 310.00m, 45),
    };

    /// <summary>Finds an order.</summary>
    /// <param name="orderId">The id.</param>
    /// <param name="cancellationToken">Ends the lookup.</param>
    /// <returns>The order, or one with <see cref="Order.Found"/> false.</returns>
    public async Task<Order> FindAsync(string orderId, CancellationToken cancellationToken = default)
    {
        await Task.Yield(); // a real store would await I/O here
        cancellationToken.ThrowIfCancellationRequested();
        return _orders.TryGetValue(orderId, out var order) ? order : new Order(orderId, false, "unknown", 0m, null);
    }
}

/// <summary>A refund decision.</summary>
/// <param name="Eligible">Whether the order can be refunded without review.</param>
/// <param name="Reason">Why.</param>
public sealed record RefundDecision(bool Eligible, string Reason);

/// <summary>The refund rules: delivered within 30 days.</summary>
public sealed class RefundPolicy
{
    /// <summary>The refund window.</summary>
    public const int WindowDays = 30;

    /// <summary>Decides whether an order is refundable.</summary>
    /// <param name="order">The order.</param>
    /// <param name="cancellationToken">Ends the check.</param>
    /// <returns>The decision.</returns>
    public async Task<RefundDecision> CheckAsync(Order order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return order switch
        {
            { Found: false } => new RefundDecision(false, "order not found"),
            { Status: "delivered", DeliveredDaysAgo: <= WindowDays } => new RefundDecision(true, $"delivered {order.DeliveredDaysAgo} days ago, within {WindowDays} days"),
            { Status: "delivered" } => new RefundDecision(false, $"delivered {order.DeliveredDaysAgo} days ago, past {WindowDays} days"),
            _ => new RefundDecision(false, "not delivered yet"),
        };
    }
}
