"""The email-ready digest (issue 4): `email/<day>.html|.txt` and the `email` command, sent to a local SMTP server."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from generator.cli import main
from generator.newsletter import PASSWORD_VARIABLE, parse_server
from generator.pipeline import BuildOptions, build, load_site
from hostile_site import BASE_URL, write_hostile_content

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DAY = "2024-05-28"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hrefs(html: str) -> list[str]:
    return re.findall(r'\shref="([^"]*)"', html)


@dataclass
class Mailbox:
    """An aiosmtpd handler keeping every message it receives, and the logins it saw."""

    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        # handled=False makes aiosmtpd answer a failure with 535 (its default sends no reply at all).
        if isinstance(data, LoginPassword):
            self.logins.append((data.login, data.password))
            return AuthResult(success=data.password == b"s3cret pass", handled=False)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, str]]:
    mailbox = Mailbox()
    # Login without TLS is allowed only because this server lives on 127.0.0.1 for one test.
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(),
                            authenticator=mailbox.authenticate, auth_require_tls=False)
    controller.start()
    yield mailbox, f"127.0.0.1:{controller.port}"
    controller.stop()


def test_every_day_has_an_html_and_a_text_email(sample_site) -> None:
    site = load_site(ROOT / "content", sample_site.base_url).site
    assert sorted(p.name for p in (sample_site.output / "email").iterdir()) == sorted(
        f"{day.key}.{suffix}" for day in site.days for suffix in ("html", "txt"))
    for day in site.days:
        html = (sample_site.output / "email" / f"{day.key}.html").read_text(encoding="utf-8")
        text = (sample_site.output / "email" / f"{day.key}.txt").read_text(encoding="utf-8")
        assert "<table" in html and 'role="presentation"' in html
        assert not re.search(r"<script|<style|<link\b|\sclass=\"(?!footnote|math)", html), "mail clients need inline styles only"
        assert "<math" not in html  # most clients drop MathML; the TeX source is shown instead
        assert all(re.match(r"https?://", url) for url in hrefs(html))
        assert f"{sample_site.base_url}digest/{day.key}/" in html and f"{sample_site.base_url}digest/{day.key}/" in text
        for paper in day.papers:
            url = f"{sample_site.base_url}papers/{paper.slug}/"
            assert url in html and url in text
        assert "&amp;" not in text and "<p>" not in text


def test_hostile_text_is_escaped_in_the_email(tmp_path: Path) -> None:
    content = write_hostile_content(tmp_path)
    build(BuildOptions(content_dir=content, output_dir=tmp_path / "out", cache_dir=None))
    html = (tmp_path / "out" / "email" / "2025-01-02.html").read_text(encoding="utf-8")
    text = (tmp_path / "out" / "email" / "2025-01-02.txt").read_text(encoding="utf-8")
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Fast &amp; ]]&gt; Loud" in html
    assert "<code>\\frac{a}{b} &lt; c</code>" in html  # math as its text alternative
    assert "&lt;script&gt;alert('notes')" in html and "Notes: Notes with a bell" in text
    assert f'href="{BASE_URL}papers/hostile-two/"' in html
    assert "<script>alert(1)</script> Fast & ]]> Loud" in text  # plain text is not markup
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", html + text)


def test_email_command_sends_one_multipart_message(sample_site, smtp_server: tuple[Mailbox, str],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    mailbox, address = smtp_server
    status = main(["email", "--content", str(ROOT / "content"), "--base-url", sample_site.base_url, "--date", SAMPLE_DAY,
                   "--to", "reader@example.org", "--from", "digest@example.org", "--smtp", address])
    assert status == 0, capsys.readouterr().err
    assert len(mailbox.messages) == 1
    sender, recipients, message = mailbox.messages[0]
    assert sender == "digest@example.org" and recipients == ["reader@example.org"]
    assert message["Subject"] == "Daily Papers Digest: papers of May 28, 2024"
    assert message["To"] == "reader@example.org" and message["From"] == "digest@example.org"
    assert message["Date"] and message["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert html.replace("\r\n", "\n") == (sample_site.output / "email" / f"{SAMPLE_DAY}.html").read_text(encoding="utf-8")
    day = next(day for day in load_site(ROOT / "content").site.days if day.key == SAMPLE_DAY)
    for paper in day.papers:
        assert f"{sample_site.base_url}papers/{paper.slug}/" in text
        assert f'href="{sample_site.base_url}papers/{paper.slug}/"' in html
    assert all(re.match(r"https?://", url) for url in hrefs(html))
    assert "Sent" in capsys.readouterr().out


def test_email_command_logs_in_with_the_password_from_the_environment(
        smtp_server: tuple[Mailbox, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    mailbox, address = smtp_server
    arguments = ["email", "--content", str(ROOT / "content"), "--date", SAMPLE_DAY, "--to", "reader@example.org",
                 "--smtp", address, "--user", "curator@example.org"]
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    assert main(arguments) == 2
    assert PASSWORD_VARIABLE in capsys.readouterr().err and mailbox.messages == []

    monkeypatch.setenv(PASSWORD_VARIABLE, "wrong")
    assert main(arguments) == 1
    assert "could not send" in capsys.readouterr().err and mailbox.messages == []

    monkeypatch.setenv(PASSWORD_VARIABLE, "s3cret pass")
    assert main(arguments) == 0
    assert mailbox.logins[-1] == (b"curator@example.org", b"s3cret pass")
    assert len(mailbox.messages) == 1 and mailbox.messages[0][2]["From"] == "curator@example.org"


def test_starttls_is_never_skipped_silently(smtp_server: tuple[Mailbox, str], capsys: pytest.CaptureFixture[str]) -> None:
    """The test server offers no STARTTLS: the command must fail instead of sending in clear text."""
    mailbox, address = smtp_server
    status = main(["email", "--content", str(ROOT / "content"), "--date", SAMPLE_DAY, "--to", "reader@example.org",
                   "--smtp", address, "--starttls"])
    assert status == 1 and "STARTTLS" in capsys.readouterr().err
    assert mailbox.messages == []


def test_email_command_names_a_missing_day(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["email", "--content", str(ROOT / "content"), "--date", "2001-01-01", "--to", "reader@example.org",
                   "--smtp", "127.0.0.1:1"])
    assert status == 1
    assert "no digest day `2001-01-01`" in capsys.readouterr().err


@pytest.mark.parametrize("server, expected", [("mail.example.org:587", ("mail.example.org", 587)),
                                              ("localhost", ("localhost", 25)), ("[::1]:2525", ("::1", 2525))])
def test_parse_server(server: str, expected: tuple[str, int]) -> None:
    assert parse_server(server) == expected


@pytest.mark.parametrize("server", ["host:port", "host:99999", ""])
def test_parse_server_refuses_nonsense(server: str) -> None:
    with pytest.raises(ValueError):
        parse_server(server)
