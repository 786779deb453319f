// Package claimtest seeds a database from the sandbox's world for the
// tests of package claims and package filing: the parcels, their tracking
// and the buyers' threads, as the message sync and the tracker would store
// them.
package claimtest

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/internal/worldseed"
	"github.com/sellerops/sellerops/localdb"
)

// OpenDB opens a fresh database in the test's temporary folder.
func OpenDB(t testing.TB, opts ...localdb.Option) *localdb.DB {
	t.Helper()
	db, err := localdb.Open(context.Background(), filepath.Join(t.TempDir(), "data", "sellerops.db"), opts...)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// StartSandbox starts the sandbox, closed when the test ends.
func StartSandbox(t testing.TB, opts sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sb, err := sandbox.Start(ctx, opts)
	if err != nil {
		cancel()
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = sb.Close()
	})
	return sb
}

// PNGBytes is a small valid PNG, standing in for a buyer's photo.
func PNGBytes(t testing.TB, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := 0; x < 8; x++ {
		for y := 0; y < 8; y++ {
			img.Set(x, y, color.RGBA{shade, 80, 80, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// SeedParcels stores the parcels' orders, shipments (with the events
// visible at the sandbox's clock) and buyer threads (photos saved under
// photoDir), as the message sync and the tracker would.
func SeedParcels(t testing.TB, db *localdb.DB, sb *sandbox.Sandbox, parcels []*sandbox.Parcel, photoDir string) {
	t.Helper()
	ctx := context.Background()
	w := sb.World()
	now := sb.Now()
	stores := map[string]int64{}
	storeID := func(id, market string) int64 {
		if v, ok := stores[id]; ok {
			return v
		}
		if st, err := db.GetStoreByName(ctx, id); err == nil {
			stores[id] = st.ID
			return st.ID
		}
		st, err := db.CreateStore(ctx, localdb.Store{Name: id, Marketplace: market})
		if err != nil {
			t.Fatalf("create store %s: %v", id, err)
		}
		stores[id] = st.ID
		return st.ID
	}
	want := map[string]bool{}
	for _, p := range parcels {
		want[p.OrderID] = true
		o := w.Order(p.OrderID)
		sid := storeID(o.StoreID, o.Marketplace)
		value := o.Value
		ord, _, err := db.UpsertOrder(ctx, localdb.Order{StoreID: sid, MarketplaceOrderID: o.ID, BuyerName: o.Buyer,
			Items:         []localdb.OrderItem{{Title: o.Item, Quantity: 1, UnitPrice: value}},
			DeclaredValue: value, Currency: o.Currency, ShipDate: o.ShipDate, Carrier: p.Carrier, Service: p.Service,
			TrackingNumber: p.TrackingNumber})
		if err != nil {
			t.Fatalf("store order %s: %v", o.ID, err)
		}
		SeedTracking(t, db, sb, p, ord.ID)
	}
	for _, th := range w.Threads {
		if !want[th.OrderID] || !th.Visible(now) {
			continue
		}
		sid := storeID(th.StoreID, th.Marketplace)
		var msgs []localdb.Message
		for _, m := range th.VisibleMessages(now) {
			dir := localdb.DirectionIn
			if m.From == "seller" {
				dir = localdb.DirectionOut
			}
			lm := localdb.Message{MarketplaceMessageID: m.ID, Direction: dir, Sender: m.From, Body: m.Body, SentAt: m.Time, Language: th.Lang}
			for i, a := range m.Attachments {
				path := filepath.Join(photoDir, a.ID+".png")
				if err := os.MkdirAll(photoDir, 0o700); err != nil {
					t.Fatal(err)
				}
				data := PNGBytes(t, uint8(40*i+20))
				if err := os.WriteFile(path, data, 0o600); err != nil {
					t.Fatal(err)
				}
				lm.Attachments = append(lm.Attachments, localdb.Attachment{FileName: a.Name, MIME: a.ContentType, LocalPath: path, Size: int64(len(data))})
			}
			msgs = append(msgs, lm)
		}
		if _, err := db.SaveThread(ctx, localdb.Thread{StoreID: sid, MarketplaceThreadID: th.ID, MarketplaceOrderID: th.OrderID,
			BuyerName: th.Buyer, Subject: th.Subject, Language: th.Lang, Kind: localdb.KindMessage}, msgs); err != nil {
			t.Fatalf("store thread %s: %v", th.ID, err)
		}
	}
}

// SeedTracking stores a parcel's shipment with the events visible at the
// sandbox's clock, as the tracker would, linked to the stored order orderID.
func SeedTracking(t testing.TB, db *localdb.DB, sb *sandbox.Sandbox, p *sandbox.Parcel, orderID int64) {
	t.Helper()
	if err := worldseed.Track(context.Background(), db, sb, p, orderID); err != nil {
		t.Fatal(err)
	}
}

// PickParcels returns up to n parcels per carrier and state whose story
// ends in one of states, in world order, filtered by keep (nil keeps all).
func PickParcels(sb *sandbox.Sandbox, perCarrier int, keep func(*sandbox.Parcel) bool, states ...string) []*sandbox.Parcel {
	count := map[string]int{}
	var out []*sandbox.Parcel
	for _, p := range sb.World().Parcels {
		ok := false
		for _, s := range states {
			ok = ok || p.State == s
		}
		if !ok || count[p.Carrier+"/"+p.State] >= perCarrier || (keep != nil && !keep(p)) {
			continue
		}
		count[p.Carrier+"/"+p.State]++
		out = append(out, p)
	}
	return out
}

// DamageThreadPhotos counts the photos in a parcel's visible damage threads.
func DamageThreadPhotos(sb *sandbox.Sandbox, p *sandbox.Parcel) int {
	n := 0
	for _, th := range sb.World().Threads {
		if th.OrderID != p.OrderID || th.Kind != "damage" || !th.Visible(sb.Now()) {
			continue
		}
		for _, m := range th.VisibleMessages(sb.Now()) {
			n += len(m.Attachments)
		}
	}
	return n
}

// HasDamageThread says whether a parcel has a visible damage thread.
func HasDamageThread(sb *sandbox.Sandbox, p *sandbox.Parcel) bool {
	for _, th := range sb.World().Threads {
		if th.OrderID == p.OrderID && th.Kind == "damage" && th.Visible(sb.Now()) {
			return true
		}
	}
	return false
}
