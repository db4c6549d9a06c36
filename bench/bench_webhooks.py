"""Outgoing webhook delivery under load (docs/PERFORMANCE.md, "Webhook delivery").

A local receiver and one outgoing webhook on a channel (message.created). Messages are
posted at `--rate` per second for `--seconds`; each is written to the outbox in its
own transaction and a delivery worker signs and POSTs it. `--via api`: through the
production app's API (`--workers`, Postgres + Redis), whose workers deliver; `--via
services`: posted by this process through services/messaging.py with one delivery
worker in this process (the pipeline alone, without the API's send path). Reported:
delivered per second over the run, and the latency from stored (the post's answer)
to the receiver's arrival, p50/p95/max. Every delivery's signature is checked.
Run: `.venv/bin/python bench/bench_webhooks.py [--via api|services] [--rate 100] [--seconds 20] [--workers 2]`."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neurocache_ui.services import api_keys, channels, messaging
from neurocache_ui.services.webhooks import delivery, outgoing
from neurocache_ui.settings import get_settings
from testkit.factories import create_user
from testkit.stack import Stack, local_stack
from testkit.stats import percentile
from testkit.webhook_receiver import WebhookReceiver


def through_api(stack: Stack, receiver: WebhookReceiver, args: argparse.Namespace) -> Run:
    """Posts through the hub's API (32 at a time, paced); the hub's workers deliver."""
    hub = stack.start_hub(workers=args.workers, env={
        "NEUROCACHE_RATE_LIMIT": "1000000/minute", "NEUROCACHE_USER_RATE_LIMIT": "1000000/minute",
        "NEUROCACHE_FETCH_ALLOWED_HOSTS": receiver.host_port,
    })
    user, channel, secret = _subscribe(receiver)
    key, _ = api_keys.create_key(user, "bench")
    run = Run(secret)
    url = f"{hub.url}/api/v1/channels/{channel.slug}/messages"
    with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=30, limits=httpx.Limits(max_connections=32)) as client:

        def post(number: int) -> None:
            response = client.post(url, json={"content": f"event {number}"})
            response.raise_for_status()
            run.stored_now(response.json()["id"])

        client.post(url, json={"content": "warm up"}).raise_for_status()
        receiver.wait_for(1, timeout=30)
        receiver.received.clear()
        run.started = time.time()
        with ThreadPoolExecutor(32) as pool:
            for number in range(args.total):  # paced: the n-th post starts at n / rate
                if (delay := run.started + number / args.rate - time.time()) > 0:
                    time.sleep(delay)
                pool.submit(post, number)
        run.posted = time.time()
    return run


def through_services(receiver: WebhookReceiver, args: argparse.Namespace) -> Run:
    """Posts by this process (8 threads, paced), delivered by one worker in this process."""
    os.environ["NEUROCACHE_FETCH_ALLOWED_HOSTS"] = receiver.host_port
    get_settings.cache_clear()
    user, channel, secret = _subscribe(receiver)
    run = Run(secret)

    def post(number: int) -> None:
        run.stored_now(messaging.post_message(channel.id, user_id=user, content=f"event {number}").id)

    async def drive() -> None:
        worker = asyncio.create_task(delivery.deliver_forever())
        loop = asyncio.get_running_loop()
        run.started = time.time()
        with ThreadPoolExecutor(8) as pool:
            posts = []
            for number in range(args.total):
                if (delay := run.started + number / args.rate - time.time()) > 0:
                    await asyncio.sleep(delay)
                posts.append(loop.run_in_executor(pool, post, number))
            await asyncio.gather(*posts)
        run.posted = time.time()
        await asyncio.to_thread(receiver.wait_for, args.total, 120)
        worker.cancel()

    asyncio.run(drive())
    return run


class Run:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.stored: dict[int, float] = {}
        self.lock = threading.Lock()
        self.started = self.posted = 0.0

    def stored_now(self, message_id: int) -> None:
        with self.lock:
            self.stored[message_id] = time.time()


def _subscribe(receiver: WebhookReceiver) -> tuple[int, channels.ChannelView, str]:
    user = create_user("Bench")
    channel = channels.create_channel(user.id, name="hooks")
    secret, _ = outgoing.create(user.id, receiver.url, ["message.created"], channel.slug)
    return user.id, channel, secret


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--via", choices=("api", "services"), default="api")
    parser.add_argument("--rate", type=float, default=100.0, help="posts per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    args.total = total = int(args.rate * args.seconds)

    with local_stack() as stack, WebhookReceiver() as receiver:
        run = through_api(stack, receiver, args) if args.via == "api" else through_services(receiver, args)
        got = receiver.wait_for(total, timeout=120)
    started, posted, stored, secret = run.started, run.posted, run.stored, run.secret
    done = max(r.at for r in got) if got else posted
    where = f"through the API, {args.workers} worker(s)" if args.via == "api" else "through services, one worker in-process"
    latencies = sorted((r.at - stored[r.json["message"]["id"]]) * 1000 for r in got if r.json["message"]["id"] in stored)
    unsigned = sum(not r.signed_by(secret) for r in got)
    print(f"{total} messages at {args.rate:.0f}/s {where}, Postgres + Redis, one webhook")
    print(f"  posting took {posted - started:.1f} s; {len(got)} delivered ({len({r.json['id'] for r in got})} distinct),"
          f" {unsigned} with a bad signature")
    print(f"  delivered {len(got) / (done - started):.0f}/s over the run; the last {done - posted:.2f} s after the last post")
    print(f"  latency stored -> received: p50 {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms,"
          f" max {latencies[-1]:.0f} ms")


if __name__ == "__main__":
    main()
