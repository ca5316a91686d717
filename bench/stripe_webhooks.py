"""Stripe webhook benchmark: N paid subscriptions, every event delivered twice, shuffled.

The bot's web server (SQLite in a temporary folder) receives the signed events of N
checkouts from the fake Stripe server (customer.subscription.created,
checkout.session.completed, invoice.paid), each twice and in random order, 8 deliveries
at a time, as Stripe's retries and parallel deliveries would. Each event makes the bot
read the objects back from the fake Stripe API. Prints deliveries per second and the
latency percentiles, and checks the result: N subscriptions, N paid payments, N receipts.
Target: p95 under 250 ms on this machine.

    python bench/stripe_webhooks.py [--clients 100]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import stripe
from sqlalchemy import func, select

from coachbot.application import create_application
from coachbot.config import Settings
from coachbot.domain.people.model import Client, ClientStatus, Coach, User
from coachbot.runner import start_web
from coachbot.sandbox.stripe_server import FakeStripeServer
from coachbot.storage import migrate
from coachbot.storage.tables import OutboxRow, PaymentRow, SubscriptionRow
from coachbot.storage.uow import SqlUnitOfWork

API_KEY = "sk_test_bench"
SECRET = "whsec_bench"
CONCURRENCY = 8
TARGET_P95_MS = 250


async def seed(app, clients: int) -> tuple[int, list[int]]:
    now = datetime.now(UTC)
    async with SqlUnitOfWork(app.session_factory) as uow:
        coach_user = await uow.users.add(User(telegram_id=1, first_name="Anna", created_at=now))
        coach = await uow.coaches.add(
            Coach(user_id=coach_user.id or 0, display_name="Anna", created_at=now)
        )
        ids = []
        for number in range(clients):
            user = await uow.users.add(
                User(telegram_id=10_000 + number, first_name=f"C{number}", created_at=now)
            )
            client = await uow.clients.add(
                Client(
                    coach_id=coach.id or 0,
                    display_name=f"Client {number}",
                    status=ClientStatus.active,
                    created_at=now,
                    user_id=user.id,
                )
            )
            ids.append(client.id or 0)
        await uow.commit()
    return coach.id or 0, ids


async def checkout_events(fake: FakeStripeServer, coach_id: int, client_ids: list[int]):
    http = stripe.AIOHTTPClient()
    client = stripe.StripeClient(API_KEY, base_addresses={"api": fake.url}, http_client=http)
    product = await client.v1.products.create_async({"name": "Monthly"})
    price = await client.v1.prices.create_async(
        {
            "product": product.id,
            "currency": "eur",
            "unit_amount": 4990,
            "recurring": {"interval": "month"},
        }
    )
    events = []
    for client_id in client_ids:
        metadata = {"coach_id": str(coach_id), "client_id": str(client_id)}
        session = await client.v1.checkout.sessions.create_async(
            {
                "mode": "subscription",
                "line_items": [{"price": price.id, "quantity": 1}],
                "success_url": "https://example.org/s",
                "cancel_url": "https://example.org/c",
                "metadata": metadata,
                "subscription_data": {"metadata": metadata},
            }
        )
        events += await fake.complete_checkout(session.id, deliver=False)
    await http.close_async()
    return events


async def count(app, row_class, *where) -> int:
    async with app.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(row_class).where(*where)))


async def run(clients: int) -> int:
    folder = Path(tempfile.mkdtemp(prefix="coachbot-bench-"))
    async with FakeStripeServer(api_key=API_KEY, webhook_secret=SECRET) as fake:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        settings = Settings(
            _env_file=None,
            bot_token="123:bench",
            data_dir=folder,
            stripe_api_key=API_KEY,
            stripe_webhook_secret=SECRET,
            stripe_api_base=fake.url,
            webhook_port=port,
        )
        await migrate.upgrade(settings.effective_database_url)
        app = create_application(settings, webhook_mode=False)
        web = await start_web(app)
        fake.webhook_url = f"http://127.0.0.1:{port}/stripe/webhook"
        try:
            coach_id, client_ids = await seed(app, clients)
            events = await checkout_events(fake, coach_id, client_ids)
            deliveries = events * 2
            random.Random(7).shuffle(deliveries)
            latencies: list[float] = []
            queue: asyncio.Queue = asyncio.Queue()
            for event in deliveries:
                queue.put_nowait(event)

            async def deliver() -> None:
                while not queue.empty():
                    event = queue.get_nowait()
                    started = time.perf_counter()
                    result = await fake.deliver(event)
                    latencies.append(time.perf_counter() - started)
                    assert result.status == 200, result.body

            started = time.perf_counter()
            await asyncio.gather(*(deliver() for _ in range(CONCURRENCY)))
            elapsed = time.perf_counter() - started
            subscriptions = await count(app, SubscriptionRow)
            paid = await count(app, PaymentRow, PaymentRow.status == "paid")
            receipts = await count(app, OutboxRow, OutboxRow.idempotency_key.like("receipt:%"))
        finally:
            await web.cleanup()
            await app.close()
    ms = sorted(latency * 1000 for latency in latencies)
    p95 = ms[int(len(ms) * 0.95) - 1]
    print(
        f"{'clients':>8} {'deliveries':>10} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
    )
    print(
        f"{clients:>8} {len(ms):>10} {len(ms) / elapsed:>8.1f} "
        f"{statistics.median(ms):>8.1f} {p95:>8.1f} {ms[-1]:>8.1f}"
    )
    print(f"subscriptions {subscriptions}, paid payments {paid}, receipts {receipts}")
    correct = subscriptions == paid == receipts == clients
    if not correct:
        print("WRONG: every client should have one subscription, payment and receipt")
    if p95 > TARGET_P95_MS:
        print(f"SLOW: p95 {p95:.0f} ms > {TARGET_P95_MS} ms")
    return 0 if correct and p95 <= TARGET_P95_MS else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.clients)))


if __name__ == "__main__":
    main()
