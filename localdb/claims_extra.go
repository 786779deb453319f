package localdb

import (
	"context"
	"database/sql"
	"fmt"
)

// OrderMessage is a buyer's message about an order, with its attachments,
// as claim finding reads it.
type OrderMessage struct {
	OrderID int64 `json:"order_id"`
	Message
}

// InboundMessagesByOrder returns every buyer message of a thread linked to
// an order (by order id, or by the store's marketplace order id), with its
// attachments, keyed by the local order id. Claims use it to find buyers who
// report damage and the photos they sent.
func (db *DB) InboundMessagesByOrder(ctx context.Context) (map[int64][]OrderMessage, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT o.id, m.id, m.thread_id, m.marketplace_message_id, m.direction,
		m.sender, m.body, m.sent_at, m.language, m.created_at
		FROM messages m
		JOIN threads t ON t.id = m.thread_id
		JOIN orders o ON o.id = t.order_id
			OR (t.order_id IS NULL AND t.marketplace_order_id <> '' AND o.store_id = t.store_id
				AND o.marketplace_order_id = t.marketplace_order_id)
		WHERE m.direction = 'in'
		ORDER BY o.id, m.sent_at, m.id`)
	if err != nil {
		return nil, fmt.Errorf("buyer messages by order: %w", mapErr(err))
	}
	list, err := collect(rows, func(row interface{ Scan(...any) error }) (OrderMessage, error) {
		var om OrderMessage
		var sent, created int64
		err := row.Scan(&om.OrderID, &om.ID, &om.ThreadID, &om.MarketplaceMessageID, &om.Direction, &om.Sender,
			&om.Body, &sent, &om.Language, &created)
		om.SentAt = fromMS(sql.NullInt64{Int64: sent, Valid: true})
		om.CreatedAt = fromMS(sql.NullInt64{Int64: created, Valid: true})
		return om, err
	})
	if err != nil {
		return nil, fmt.Errorf("buyer messages by order: %w", err)
	}
	rows, err = db.sql.QueryContext(ctx, `SELECT `+attachmentCols+` FROM attachments
		WHERE message_id IN (SELECT id FROM messages WHERE direction = 'in') ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("buyer attachments: %w", mapErr(err))
	}
	atts, err := collect(rows, scanAttachment)
	if err != nil {
		return nil, fmt.Errorf("buyer attachments: %w", err)
	}
	byMsg := map[int64][]Attachment{}
	for _, a := range atts {
		byMsg[a.MessageID] = append(byMsg[a.MessageID], a)
	}
	out := map[int64][]OrderMessage{}
	for _, om := range list {
		om.Attachments = byMsg[om.ID]
		out[om.OrderID] = append(out[om.OrderID], om)
	}
	return out, nil
}
