"""One clock tick: take the lease, work out which alerts are due, claim, post, record.

Every alert is claimed in the deliveries table before it is posted (see ``bot.alerts.ledger``),
so a restart, a crash mid-run or a second clock never double-posts or skips. One failing channel
is recorded (retried later, or disabled with a note) and never stops the others.
"""

from __future__ import annotations

import logging
import threading
import time as _time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from bot.advice import record as advice_record
from bot.advice import settle as advice_settle
from bot.alerts import lease, ledger, schedule, store
from bot.alerts.digests import Digests
from bot.alerts.slack_post import SlackClients
from bot.alerts.store import SubscriptionInfo
from bot.alerts.tariffs import channel_tariffs
from bot.destinations.choose import destination_for
from bot.destinations.port import Destination, Outcome
from bot.engagement import clock as engagement
from bot.engagement.clock import DIGEST
from bot.security import retention
from bot.storage.subscriptions import DAILY, THRESHOLD, TOMORROW, naive_utc, utcnow
from flexcalc import daily
from flexcalc.sources.base import DataUnavailable
from flexcalc.tariffs.spec import TariffChoice
from flexcalc.timeslots import LONDON

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClockSettings:
    interval: timedelta = timedelta(minutes=5)  # how often the clock ticks
    grace: timedelta = timedelta(hours=3)  # a late clock still sends today's alert until then
    stale_after: timedelta = timedelta(minutes=10)  # a pending claim older than this crashed
    retry_after: timedelta = timedelta(minutes=10)  # wait before retrying a failed post
    lease_ttl: timedelta = lease.LEASE_TTL  # renewed by the heartbeat, ticks, fan-out
    renew_every: float = 15.0  # seconds of fan-out between lease renewals
    heartbeat_every: float = lease.HEARTBEAT_EVERY  # renewal (holder) / takeover (standby)
    workers: int = 16  # channels posted to at once (I/O-bound; 429s waited out per call)


@dataclass(frozen=True)
class Job:
    """One alert to post: the subscription, what kind, for which local date, on which tariff."""

    sub: SubscriptionInfo
    kind: str  # daily | tomorrow | threshold:<UTC start>
    local_date: date
    event: daily.ThresholdEvent | None = None
    tariff: TariffChoice | None = None  # the channel's default tariff (None: the default)

    @property
    def key(self) -> str:
        return f"{self.sub.id}/{self.local_date.isoformat()}/{self.kind}"


@dataclass
class TickReport:
    """What one tick did (logged, printed by ``--once`` and used by tests and the bench)."""

    acted: bool = False
    due: int = 0
    posted: int = 0
    reconciled: int = 0  # found already posted by a crashed run: recorded, not re-posted
    busy: int = 0  # sent already or being sent by another clock
    retry_later: int = 0
    gave_up: int = 0
    disabled_channels: int = 0
    errors: list[str] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)  # (channel, kind) posted or found
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, counter: str, job: Job | None = None, error: str | None = None) -> None:
        """Count one outcome (thread-safe); ``job`` marks it sent, ``error`` is kept."""
        with self._lock:
            setattr(self, counter, getattr(self, counter) + 1)
            if job is not None:
                self.sent.append((job.sub.channel_id, job.kind))
            if error is not None:
                self.errors.append(error)

    def summary(self) -> str:
        if not self.acted:
            return "another clock holds the lease; nothing done"
        return (
            f"due {self.due}, posted {self.posted}, reconciled {self.reconciled}, "
            f"already handled {self.busy}, retry later {self.retry_later}, "
            f"gave up {self.gave_up}, channels disabled {self.disabled_channels}"
        )


def _durations(sub: SubscriptionInfo) -> tuple[pd.Timedelta, ...]:
    return (pd.Timedelta(minutes=sub.duration_minutes),) if sub.duration_minutes else ()


def _tariff_key(job: Job) -> str:
    return job.tariff.text() if job.tariff is not None else ""


def _overlaps(event: daily.ThresholdEvent, spans: list[tuple[datetime, datetime]]) -> bool:
    start, end = naive_utc(event.start), naive_utc(event.end)
    return any(a <= end and start <= b for a, b in spans)


class Clock:
    """The alerts clock: ``tick()`` is safe to call from any number of processes at once."""

    def __init__(
        self,
        engine: Engine,
        provider: Any,
        clients: SlackClients,
        *,
        settings: ClockSettings | None = None,
        holder: str | None = None,
        public_base_url: str | None = None,
        after_post: Callable[[Job, str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.clients = clients
        self.settings = settings or ClockSettings()
        self.holder = holder or lease.new_holder()
        self.digests = Digests(provider, engine=engine, public_base_url=public_base_url)
        self.after_post = after_post  # test seam: runs between posting and recording
        self._stale_after = self.settings.stale_after
        self._dead_holders: frozenset[str] = frozenset()
        self._took_over = False

    def heartbeat(self) -> bool:
        """Renew the lease, or take it if its holder stopped renewing. True: tick now.

        Called every ``heartbeat_every`` seconds, so a crashed holder is replaced within
        ``lease_ttl + heartbeat_every`` (45 + 15 s by default)."""
        held = lease.take(self.engine, self.holder, self.settings.lease_ttl)
        took_over = held is not None and held.took_over
        self._took_over = self._took_over or took_over  # the next tick retries their claims
        return took_over

    # -- the tick ---------------------------------------------------------------------------

    def tick(
        self, *, use_lease: bool = True, dead_holders: frozenset[str] = frozenset()
    ) -> TickReport:
        """Post whatever is due now. Without the lease (another clock acts) it does nothing.

        ``use_lease=False``: a worker running the clock's queued tick (the clock process holds
        the lease); the claims alone keep every alert to one post. ``dead_holders``: claim
        holders known to be gone (a killed worker), whose pending claims are retried now."""
        report = TickReport()
        held = lease.take(self.engine, self.holder, self.settings.lease_ttl) if use_lease else None
        if use_lease and held is None:
            return report
        report.acted = True
        # Only the lease holder claims: taking the lease over means the claims still pending
        # are the dead holder's, so they are retried now (after checking the channel for a
        # post it made before dying), not after ``stale_after``.
        took_over = self._took_over or (held is not None and held.took_over)
        self._took_over = False
        self._stale_after = timedelta(0) if took_over else self.settings.stale_after
        self._dead_holders = dead_holders
        now = pd.Timestamp(utcnow(), tz="UTC")
        jobs = self.plan(now, report)
        report.due = len(jobs)
        if self.settings.workers <= 1:
            self._run_serially(jobs, now, report, use_lease)
        else:
            self._run_in_pool(jobs, now, report, use_lease)
        engagement.settle_finished(self.engine, self.digests.provider, self.clients, now)
        advice_settle.settle_finished(self.engine, self.digests.provider, now)  # issue 14
        retention.purge_due(self.engine)  # workspaces that left, once their retention is over
        log.info("alerts tick %s: %s", now.isoformat(), report.summary())
        return report

    def release(self) -> None:
        lease.release(self.engine, self.holder)

    def _keep_lease(self, use_lease: bool, last: list[float]) -> bool:
        """Renew the lease every ``renew_every`` seconds of fan-out; False once it is lost."""
        if not use_lease or _time.monotonic() - last[0] < self.settings.renew_every:
            return True
        last[0] = _time.monotonic()
        if lease.acquire(self.engine, self.holder, self.settings.lease_ttl):
            return True
        log.warning("lost the clock lease mid fan-out; stopping this tick")
        return False

    def _run_serially(self, jobs, now, report, use_lease: bool) -> None:
        last = [_time.monotonic()]
        for job in jobs:
            if not self._keep_lease(use_lease, last):
                return
            self.deliver(job, now, report)

    def _run_in_pool(self, jobs, now, report, use_lease: bool) -> None:
        """Post to several channels at once (Slack latency, not CPU, bounds a fan-out)."""
        last = [_time.monotonic()]
        with ThreadPoolExecutor(self.settings.workers, thread_name_prefix="alerts") as pool:
            pending = {pool.submit(self.deliver, job, now, report) for job in jobs}
            while pending:
                done, pending = wait(pending, timeout=5.0, return_when=FIRST_COMPLETED)
                for future in done:
                    future.result()  # deliver() handles every Exception itself
                if pending and not self._keep_lease(use_lease, last):
                    for future in pending:
                        future.cancel()
                    return

    # -- planning ---------------------------------------------------------------------------

    def plan(self, now: pd.Timestamp, report: TickReport) -> list[Job]:
        """Due jobs not yet sent or given up, grouped by region and tariff (digests reused)."""
        subs = store.live_subscriptions(self.engine, naive_utc(now))
        tariffs = channel_tariffs(self.engine, subs)
        candidates: list[Job] = []
        tomorrow_date = schedule.tomorrow_polling(now)
        for sub in subs:
            if sub.kind == DAILY:
                tariff = tariffs.get(sub.id)
                due = schedule.daily_due(schedule.parse_hhmm(sub.at_time), now, self.settings.grace)
                if due is not None:
                    candidates.append(Job(sub, DAILY, due.local_date, tariff=tariff))
                if sub.tomorrow and tomorrow_date is not None:
                    candidates.append(Job(sub, TOMORROW, tomorrow_date, tariff=tariff))
        candidates += [Job(s, DIGEST, d) for s, d in engagement.due_digests(self.engine, subs, now)]
        done = ledger.settled(self.engine, [(j.sub.id, j.local_date, j.kind) for j in candidates])
        jobs = [j for j in candidates if (j.sub.id, j.local_date, j.kind) not in done]
        jobs = [j for j in jobs if j.kind != TOMORROW or self._tomorrow_ready(j, now, report)]
        thresholds = [s for s in subs if s.kind == THRESHOLD]
        jobs += self._threshold_jobs(thresholds, tariffs, now, report)
        return sorted(jobs, key=lambda j: (j.sub.region_letter, _tariff_key(j), j.kind, j.sub.id))

    def _tomorrow_ready(self, job: Job, now: pd.Timestamp, report: TickReport) -> bool:
        try:
            forecast = self.digests.forecast(job.sub.region_letter, now, job.tariff)
        except DataUnavailable as error:
            report.errors.append(f"{job.sub.region_letter}: {error}")
            return False
        return daily.tomorrow_prices_published(forecast)

    def _threshold_jobs(
        self,
        subs: list[SubscriptionInfo],
        tariffs: dict[int, TariffChoice | None],
        now: pd.Timestamp,
        report: TickReport,
    ) -> list[Job]:
        jobs = []
        for sub in subs:
            tariff = tariffs.get(sub.id)
            try:
                forecast = self.digests.forecast(sub.region_letter, now, tariff)
            except DataUnavailable as error:
                report.errors.append(f"{sub.region_letter}: {error}")
                continue
            if forecast.is_sample and abs(forecast.now - now) > pd.Timedelta(hours=1):
                continue  # a stand-in sample day: no "prices go negative" alarms from 2024
            assert sub.metric and sub.op and sub.threshold is not None
            spans = ledger.threshold_spans(self.engine, sub.id)
            for event in daily.threshold_events(forecast, sub.metric, sub.op, sub.threshold):
                if _overlaps(event, spans):
                    continue
                day = event.start.tz_convert(LONDON).date()
                kind = f"{THRESHOLD}:{event.start.strftime('%Y%m%dT%H%MZ')}"
                jobs.append(Job(sub, kind, day, event, tariff=tariff))
        return jobs

    # -- delivering -------------------------------------------------------------------------

    def deliver(self, job: Job, now: pd.Timestamp, report: TickReport) -> None:
        """Claim, post and record one alert, for any destination; every failure stays with
        this job."""
        event = (job.event.start, job.event.end) if job.event else None
        claim = ledger.claim(
            self.engine,
            job.sub.id,
            job.local_date,
            job.kind,
            self.holder,
            stale_after=self._stale_after,
            event=event,
            dead_holders=self._dead_holders,
        )
        if claim is None:
            report.add("busy")
            return
        where = destination_for(self.engine, self.clients, job.sub, job.local_date.isoformat())
        if isinstance(where, Outcome):
            return self._record(job, claim.delivery_id, where, None, report)
        try:
            if claim.retry and claim.previous_claim_at is not None:
                since = claim.previous_claim_at - timedelta(minutes=1)
                ts = where.find_posted(since, job.key)
                if ts is not None:
                    ledger.mark_sent(self.engine, claim.delivery_id, self.holder, ts)
                    report.add("reconciled", job)
                    return
            reply, chart = self._content(job, now)
            outcome = where.post_alert(
                reply, subscription_id=job.sub.id, delivery_key=job.key, chart=chart
            )
            if outcome.ok and job.kind in (DAILY, TOMORROW):  # issue 14: scored later
                self._remember_advice(job, reply, now)
        except DataUnavailable as error:
            outcome = Outcome("retry", error=str(error))
        except Exception as error:  # one broken job never stops the fan-out
            log.exception("alert %s failed", job.key)
            outcome = Outcome("retry", error=repr(error))
        self._record(job, claim.delivery_id, outcome, where, report)

    def _content(self, job: Job, now: pd.Timestamp):
        if job.kind == DIGEST:  # issue 7: the weekly leadership digest
            provider = self.digests.provider
            return engagement.digest_reply(self.engine, provider, self.clients, job.sub, now), None
        letter = job.sub.region_letter
        if job.event is not None:
            forecast = self.digests.forecast(letter, now, job.tariff)
            export = self.digests.pricing(job.tariff, now).export
            assert job.sub.metric and job.sub.op and job.sub.threshold is not None
            reply = daily.threshold_alert(
                forecast, job.event, job.sub.metric, job.sub.op, job.sub.threshold, export=export
            )
            return reply, None
        digest = self.digests.daily(letter, now, tomorrow=job.kind == TOMORROW, choice=job.tariff)
        return digest.reply(_durations(job.sub)), digest.chart()

    def _remember_advice(self, job: Job, reply: Any, now: pd.Timestamp) -> None:
        """Record the posted alert's windows for scoring; never raises (it is posted)."""
        try:
            tomorrow = job.kind == TOMORROW
            forecast = self.digests.daily(job.sub.region_letter, now, tomorrow=tomorrow).forecast
            searched = daily.alert_frame(forecast, tomorrow)
            advice_record.save_alert(self.engine, job.sub, reply.data, searched, now)
        except Exception:
            log.warning("could not record alert %s's advice", job.key, exc_info=True)

    def _record(
        self,
        job: Job,
        delivery_id: int,
        outcome: Outcome,
        where: Destination | None,
        report: TickReport,
    ) -> None:
        """The one claim/retry/disable path: record what became of a post."""
        if outcome.ok:
            if self.after_post is not None:
                self.after_post(job, outcome.ref)
            ledger.mark_sent(self.engine, delivery_id, self.holder, outcome.ref)
            report.add("posted", job)
            return
        if outcome.kind == "retry":
            retry_at = utcnow() + self.settings.retry_after
            ledger.mark_failed(self.engine, delivery_id, outcome.error, retry_at)
            report.add("retry_later", error=f"{job.key}: {outcome.error}")
            return
        ledger.give_up(self.engine, delivery_id, outcome.error)
        report.add("gave_up", error=f"{job.key}: {outcome.error}")
        if outcome.kind == "channel_gone":
            report.add("disabled_channels")
            store.disable_channel(self.engine, job.sub.team_id, job.sub.channel_id, outcome.note)
            if where is not None:
                where.tell_privately(
                    job.sub.created_by, f"Flexcalc alerts in {where.name}: {outcome.note}"
                )
        elif outcome.kind == "team_gone":
            store.disable_team(self.engine, job.sub.team_id, outcome.note)
