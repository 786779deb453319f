package amazon

// Plan is an SP-API usage plan: the sustained rate (requests per second)
// and the burst an operation allows.
type Plan struct {
	Rate  float64
	Burst int
}

// plans are the default usage plans printed in each operation's description
// in the published models (ordersV0.json and messaging.json, "Usage Plan"
// tables). Amazon may raise a seller's plan; x-amzn-RateLimit-Limit then
// tells the rate actually applied, and the client follows it.
var plans = map[string]Plan{
	"getOrders":                    {0.0167, 20},
	"getOrder":                     {0.5, 30},
	"getOrderBuyerInfo":            {0.5, 30},
	"getOrderAddress":              {0.5, 30},
	"getOrderItems":                {0.5, 30},
	"getMessagingActionsForOrder":  {1, 5},
	"createConfirmDeliveryDetails": {1, 5},
	"createUnexpectedProblem":      {1, 5},
	"GetAttributes":                {1, 5},
	// Orders API v2026-01-01 (orders_2026-01-01.json).
	"searchOrders": {0.0056, 20},
}

// PlanOf returns the default usage plan of an operation the client calls;
// an operation without a known plan gets a cautious one request every two
// seconds without burst.
func PlanOf(op string) Plan {
	if p, ok := plans[op]; ok {
		return p
	}
	return Plan{Rate: 0.5, Burst: 1}
}
