"""Demo conversations for a development user, covering every thread item type and field."""

from __future__ import annotations

import json
import time
from typing import Any

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR

_REPORT_SUMMARY = """\
## Q3 at a glance

Revenue reached **$4.82M**, up *12%* quarter over quarter. Three things stand out:

1. **Enterprise** grew fastest (+21%), driven by two large renewals.
2. **Self-serve** was flat; the new pricing page shipped only in the last week.
3. **Churn** rose from 2.4% to 3.1%, which is unusual for a Q3.

| Segment     | Q2      | Q3      | Change |
|-------------|--------:|--------:|-------:|
| Enterprise  | $2.10M  | $2.54M  | +21%   |
| Mid-market  | $1.32M  | $1.44M  | +9%    |
| Self-serve  | $0.88M  | $0.84M  | -5%    |

> The churn spike is concentrated in accounts older than 24 months.

Worth checking next:
- the cohort table on page 9 of the report
- whether the `legacy_plan` migration emails went out on time
- the [public benchmark for SaaS churn](https://www.example.com/saas-churn-benchmarks-2025)
"""

_CHURN_EXPLANATION = """\
Most of the extra churn comes from **legacy-plan customers** whose price changed on
August 1st. Of the 41 accounts that left:

- 27 were on the legacy plan (*66%*),
- 9 cited budget cuts,
- 5 moved to a competitor.

Reaching out to the remaining legacy accounts before their renewal date is the most
direct lever."""

_CHURN_FOLLOW_UP = (
    "If it helps, I can draft the outreach email: it would mention the grandfathered "
    "discount and link to the [migration guide](https://help.example.com/legacy-migration)."
)

_LISBON_PLAN = """\
Here is a relaxed plan. The weather looks kind: sunny Saturday, a chance of showers on
Sunday morning, so the museum day is Sunday.

**Friday evening**
- Check in around Baixa, then dinner in *Alfama* with fado at a small tasca.

**Saturday**
- Tram 28 early, before the queues, then the Miradouro da Graça.
- Lunch at the Time Out Market; sunset in Belém with a pastel de nata.

**Sunday**
- Gulbenkian Museum and its gardens, then an easy lunch in Avenidas Novas.

Tickets and opening hours are on [visitlisboa.com](https://www.visitlisboa.com)."""

_FLAKY_ANSWER = """\
The test is flaky because it compares timestamps produced by two different clocks. The
order total is computed at `datetime.now()` while the discount window uses the database
time, so around midnight UTC the discount can expire between the two reads.

Inject one clock and use it for both:

```python
def test_discount_applies_until_midnight(frozen_clock):
    frozen_clock.set("2025-03-31T23:59:59Z")
    order = checkout(cart_with_discount(), clock=frozen_clock)
    assert order.total == Decimal("89.10")
```

And in the service:

```diff
-    now = datetime.now(tz=UTC)
+    now = clock.now()
```

| Run                 | Before fix | After fix |
|---------------------|-----------:|----------:|
| 500 local runs      | 7 failures | 0         |
| CI, 3 days          | 4 failures | 0         |
"""

_ONBOARDING_CHECKLIST = """\
Welcome aboard! Your first week, in order:

- [x] Laptop set up and SSO working
- [x] Read the *engineering handbook*
- [ ] Pair with your buddy on a small ticket
- [ ] Ship something to production by Friday

Questions about tooling go to `#eng-help`."""


def demo_threads(user_id: str, display_name: str, now: int | None = None) -> list[dict[str, Any]]:
    """Seed threads (the emulator's seed format) for ``user_id``, newest last.

    Together they hold every item type and every optional field: Markdown with lists, code,
    tables and links; file and URL annotations; image and file attachments; quoted text;
    inference options; a widget card; client tool calls in progress and completed; custom and
    thought tasks; a task group; a locked thread, a closed thread and an untitled one.
    """
    now = int(time.time()) if now is None else now
    first_name = display_name.split()[0] if display_name.strip() else "there"
    return [
        _onboarding_thread(user_id, first_name, now - 9 * _DAY),
        _refund_thread(user_id, now - 6 * _DAY),
        _report_thread(user_id, now - 3 * _DAY),
        _lisbon_thread(user_id, now - 2 * _DAY),
        _flaky_test_thread(user_id, now - 5 * _HOUR),
        _untitled_thread(user_id, first_name, now - 10 * _MINUTE),
    ]


def _onboarding_thread(user_id: str, first_name: str, start: int) -> dict[str, Any]:
    return {
        "user": user_id,
        "title": "Onboarding checklist",
        "status": {"type": "closed", "reason": None},
        "created_at": start,
        "items": [
            _user_text("What should I do in my first week?", start),
            _assistant_text(f"Hi {first_name}! {_ONBOARDING_CHECKLIST}", start + 8),
        ],
    }


def _refund_thread(user_id: str, start: int) -> dict[str, Any]:
    return {
        "user": user_id,
        "title": "Refund for order #48213",
        "status": {
            "type": "locked",
            "reason": "A support agent took over this conversation.",
        },
        "created_at": start,
        "items": [
            {
                "type": "chatkit.user_message",
                "created_at": start,
                "content": [
                    {
                        "type": "input_text",
                        "text": "I was charged twice for order #48213. Here is the receipt.",
                    }
                ],
                "attachments": [
                    {
                        "type": "file",
                        "name": "receipt-48213.pdf",
                        "mime_type": "application/pdf",
                        "preview_url": None,
                    }
                ],
            },
            _assistant_text(
                "I can see two charges of **$59.00** on March 3rd. I have passed this to our "
                "billing team; an agent will confirm the refund here within one business day.",
                start + 6,
            ),
        ],
    }


def _report_thread(user_id: str, start: int) -> dict[str, Any]:
    return {
        "user": user_id,
        "title": "Q3 revenue report review",
        "status": {"type": "active"},
        "created_at": start,
        "items": [
            {
                "type": "chatkit.user_message",
                "created_at": start,
                "content": [
                    {
                        "type": "input_text",
                        "text": "Can you summarize the Q3 report and flag anything unusual?",
                    }
                ],
                "attachments": [
                    {
                        "type": "file",
                        "name": "q3-report.pdf",
                        "mime_type": "application/pdf",
                        "preview_url": None,
                    },
                    {
                        "type": "image",
                        "name": "revenue-by-segment.png",
                        "mime_type": "image/png",
                        "preview_url": "https://files.example.com/previews/revenue-by-segment.png",
                    },
                ],
                "inference_options": {"model": "gpt-4.1", "tool_choice": None},
            },
            {
                "type": "chatkit.task",
                "created_at": start + 2,
                "task_type": "thought",
                "heading": "Reading the report",
                "summary": "Parsed 14 pages, 3 tables and 1 chart from q3-report.pdf.",
            },
            {
                "type": "chatkit.assistant_message",
                "created_at": start + 9,
                "content": [
                    {
                        "type": "output_text",
                        "text": _REPORT_SUMMARY,
                        "annotations": [
                            {
                                "type": "file",
                                "source": {"type": "file", "filename": "q3-report.pdf"},
                            },
                            {
                                "type": "url",
                                "source": {
                                    "type": "url",
                                    "url": "https://www.example.com/saas-churn-benchmarks-2025",
                                },
                            },
                        ],
                    }
                ],
            },
            {
                "type": "chatkit.user_message",
                "created_at": start + 95,
                "content": [
                    {"type": "quoted_text", "text": "Churn rose from 2.4% to 3.1%"},
                    {"type": "input_text", "text": "What drove this?"},
                ],
                "attachments": [],
                "inference_options": {"model": None, "tool_choice": {"id": "file_search"}},
            },
            {
                "type": "chatkit.assistant_message",
                "created_at": start + 104,
                "content": [
                    {
                        "type": "output_text",
                        "text": _CHURN_EXPLANATION,
                        "annotations": [
                            {
                                "type": "file",
                                "source": {"type": "file", "filename": "q3-report.pdf"},
                            }
                        ],
                    },
                    {
                        "type": "output_text",
                        "text": _CHURN_FOLLOW_UP,
                        "annotations": [
                            {
                                "type": "url",
                                "source": {
                                    "type": "url",
                                    "url": "https://help.example.com/legacy-migration",
                                },
                            }
                        ],
                    },
                ],
            },
        ],
    }


def _lisbon_thread(user_id: str, start: int) -> dict[str, Any]:
    return {
        "user": user_id,
        "title": "Weekend in Lisbon",
        "status": {"type": "active"},
        "created_at": start,
        "items": [
            _user_text(
                "Plan a relaxed weekend in Lisbon for two. We land on Friday at 18:00.", start
            ),
            {
                "type": "chatkit.client_tool_call",
                "created_at": start + 3,
                "call_id": "call_weather_lisbon_01",
                "name": "get_weather",
                "arguments": json.dumps({"city": "Lisbon", "days": 3, "units": "metric"}),
                "output": json.dumps(
                    {
                        "forecast": [
                            {"day": "Fri", "high": 21, "low": 14, "sky": "clear"},
                            {"day": "Sat", "high": 23, "low": 15, "sky": "sunny"},
                            {"day": "Sun", "high": 19, "low": 13, "sky": "showers"},
                        ]
                    }
                ),
                "status": "completed",
            },
            {
                "type": "chatkit.widget",
                "created_at": start + 6,
                "widget": json.dumps(_lisbon_widget()),
            },
            {
                "type": "chatkit.assistant_message",
                "created_at": start + 7,
                "content": [
                    {
                        "type": "output_text",
                        "text": _LISBON_PLAN,
                        "annotations": [
                            {
                                "type": "url",
                                "source": {"type": "url", "url": "https://www.visitlisboa.com"},
                            }
                        ],
                    }
                ],
            },
            _user_text("Great, add the Saturday plan to my calendar.", start + 140),
            {
                "type": "chatkit.client_tool_call",
                "created_at": start + 142,
                "call_id": "call_calendar_lisbon_02",
                "name": "add_calendar_event",
                "arguments": json.dumps(
                    {
                        "title": "Lisbon: Tram 28, Time Out Market, Belém",
                        "start": "Saturday 09:00",
                        "end": "Saturday 20:30",
                        "attendees": 2,
                    }
                ),
                "output": None,
                "status": "in_progress",
            },
        ],
    }


def _lisbon_widget() -> dict[str, Any]:
    def day(label: str, plan: str, weather: str) -> dict[str, Any]:
        return {
            "type": "ListViewItem",
            "gap": 3,
            "onClickAction": {"type": "itinerary.open_day", "payload": {"day": label}},
            "children": [
                {
                    "type": "Col",
                    "gap": 1,
                    "children": [
                        {"type": "Text", "value": label, "weight": "semibold"},
                        {"type": "Caption", "value": plan},
                    ],
                },
                {"type": "Spacer"},
                {"type": "Badge", "label": weather, "color": "info", "variant": "soft"},
            ],
        }

    return {
        "type": "Card",
        "size": "md",
        "children": [
            {
                "type": "Image",
                "src": "https://images.example.com/lisbon/tram-28.jpg",
                "alt": "A yellow tram climbing a street in Alfama",
                "height": 160,
                "fit": "cover",
                "radius": "lg",
            },
            {
                "type": "Row",
                "gap": 2,
                "children": [
                    {"type": "Title", "value": "Lisbon, 3 days", "size": "md"},
                    {"type": "Spacer"},
                    {"type": "Badge", "label": "2 travellers", "color": "success"},
                ],
            },
            {
                "type": "Text",
                "value": "Fri 18:00 to Sun 21:00 · 21 °C average",
                "color": "secondary",
            },
            {"type": "Divider"},
            {
                "type": "ListView",
                "children": [
                    day("Friday", "Alfama dinner and fado", "21° clear"),
                    day("Saturday", "Tram 28, Time Out Market, Belém", "23° sunny"),
                    day("Sunday", "Gulbenkian Museum and gardens", "19° showers"),
                ],
            },
            {"type": "Markdown", "value": "Budget: about **€420** for two, meals included."},
            {
                "type": "Row",
                "gap": 2,
                "children": [
                    {
                        "type": "Button",
                        "label": "Book restaurants",
                        "style": "primary",
                        "onClickAction": {
                            "type": "itinerary.book_restaurants",
                            "payload": {"city": "Lisbon"},
                        },
                    },
                    {
                        "type": "Button",
                        "label": "Share plan",
                        "style": "secondary",
                        "iconStart": "sparkle",
                        "onClickAction": {"type": "itinerary.share", "payload": {}},
                    },
                ],
            },
        ],
    }


def _flaky_test_thread(user_id: str, start: int) -> dict[str, Any]:
    question = (
        "`test_discount_applies_until_midnight` fails about once a week in CI with:\n\n"
        "    AssertionError: assert Decimal('99.00') == Decimal('89.10')\n\n"
        "Any idea why?"
    )
    return {
        "user": user_id,
        "title": "Flaky checkout test",
        "status": {"type": "active"},
        "created_at": start,
        "items": [
            _user_text(question, start),
            {
                "type": "chatkit.task_group",
                "created_at": start + 4,
                "tasks": [
                    {
                        "type": "thought",
                        "heading": "Reading the assertion",
                        "summary": "The discount was not applied, so the discount window "
                        "looked closed at checkout time.",
                    },
                    {
                        "type": "custom",
                        "heading": "Searched the code base",
                        "summary": "Found 2 clocks: datetime.now() in checkout.py and NOW() "
                        "in the discounts query.",
                    },
                    {"type": "custom", "heading": "Ran the test 500 times", "summary": None},
                    {
                        "type": "thought",
                        "heading": None,
                        "summary": "Failures cluster at 23:59 UTC.",
                    },
                ],
            },
            {
                "type": "chatkit.task",
                "created_at": start + 9,
                "task_type": "custom",
                "heading": "Drafted a fix",
                "summary": None,
            },
            _assistant_text(_FLAKY_ANSWER, start + 12),
        ],
    }


def _untitled_thread(user_id: str, first_name: str, start: int) -> dict[str, Any]:
    return {
        "user": user_id,
        "title": None,
        "status": {"type": "active"},
        "created_at": start,
        "items": [
            _user_text("Hi! What can you help me with?", start),
            _assistant_text(
                f"Hello {first_name}! I can summarize documents, plan trips, debug code and "
                "more. Attach a file or just ask.",
                start + 2,
            ),
        ],
    }


def _user_text(text: str, created_at: int) -> dict[str, Any]:
    return {
        "type": "chatkit.user_message",
        "created_at": created_at,
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": None,
    }


def _assistant_text(text: str, created_at: int) -> dict[str, Any]:
    return {
        "type": "chatkit.assistant_message",
        "created_at": created_at,
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }
