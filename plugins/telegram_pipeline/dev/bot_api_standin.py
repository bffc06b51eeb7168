"""A stand-in for Telegram's Bot API on 127.0.0.1, for the tests and the demo: the pipeline never talks
to api.telegram.org from here.

It answers the way Telegram does, errors included: ``{"ok": true, "result": ...}`` or ``{"ok": false,
"error_code": ..., "description": ...}``; 401 for a wrong token, 404 for an unknown method, 400 "chat not
found", 403 "bot is not a member", 429 with ``parameters.retry_after``. It takes JSON, form and
multipart/form-data bodies, and checks what it is sent as Telegram would: HTML text parsed with
Telegram's rules (the supported tags, ``&lt;``-style entities, the 4,096-character limit after parsing,
1,024 for captions), uploaded documents non-empty and within 50 MB, photos decodable PNG or JPEG
within Telegram's dimension rules. Every accepted message is kept per chat, with a message id counted
per chat as Telegram does, the parsed text and the uploaded bytes, for a test to read.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import struct
import threading
import time
import urllib.parse
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
DOCUMENT_LIMIT = 50 * 1024 * 1024
PHOTO_LIMIT = 10 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BOT = {"id": 7000000001, "is_bot": True, "first_name": "Group digest", "username": "group_digest_bot"}

# Telegram's HTML: the tags it understands, and the entity each makes.
TAG_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class BadRequest(Exception):
    def __init__(self, description: str, error_code: int = 400, parameters: dict | None = None):
        super().__init__(description)
        self.error_code, self.parameters = error_code, parameters


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's parse_mode HTML: (the text as shown, its entities with UTF-16 offsets), or BadRequest
    "can't parse entities: ..." as Telegram words it. A bare ``&`` stays literal, as Telegram keeps it;
    a ``<`` that opens no supported tag is an error."""
    text: list[str] = []
    length = 0
    open_tags: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    i = 0

    def fail(reason: str) -> BadRequest:
        return BadRequest(f"Bad Request: can't parse entities: {reason}")

    def offset(index: int) -> int:
        return len(source[:index].encode())

    while i < len(source):
        char = source[i]
        if char == "<":
            end = _tag_end(source, i)
            if end < 0:
                raise fail(f"Unclosed start tag at byte offset {offset(i)}")
            inner = source[i + 1 : end]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not open_tags:
                    raise fail(f"Unexpected end tag at byte offset {offset(i)}")
                tag, start, attributes = open_tags.pop()
                if name and name != tag:
                    raise fail(f'Unmatched end tag at byte offset {offset(i)}, expected "</{tag}>", found "</{name}>"')
                if length > start:
                    entity = {"type": TAG_ENTITIES[tag], "offset": start, "length": length - start}
                    if tag == "a":
                        entity["url"] = attributes.get("href", "")
                    entities.append(entity)
            else:
                match = re.match(r"([A-Za-z][A-Za-z0-9-]*)(.*)$", inner, re.S)
                name = match.group(1).lower() if match else inner.split(" ")[0]
                if not match or name not in TAG_ENTITIES:
                    raise fail(f'Unsupported start tag "{name}" at byte offset {offset(i)}')
                attributes = dict(re.findall(r'([A-Za-z-]+)\s*=\s*"([^"]*)"', match.group(2)))
                open_tags.append((name, length, attributes))
            i = end + 1
            continue
        if char == "&":
            match = re.match(r"&(#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6}|[A-Za-z]+);", source[i : i + 12])
            decoded = _entity(match.group(1)) if match else None
            if decoded is not None:
                text.append(decoded)
                length += utf16_len(decoded)
                i += len(match.group(0))
                continue
        text.append(char)
        length += utf16_len(char)
        i += 1
    if open_tags:
        raise fail(f'Can\'t find end tag corresponding to start tag "{open_tags[-1][0]}"')
    return "".join(text), sorted(entities, key=lambda e: e["offset"])


def _tag_end(source: str, start: int) -> int:
    quote = None
    for i in range(start + 1, len(source)):
        char = source[i]
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ">":
            return i
    return -1


def _entity(name: str) -> str | None:
    if name.startswith("#"):
        code = int(name[2:], 16) if name[1:2] in "xX" and len(name) > 2 else int(name[1:])
        return chr(code) if 0 < code < 0x110000 else None
    return NAMED_ENTITIES.get(name)


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a well-formed PNG (every chunk's CRC and the image data checked) or a JPEG."""
    if data.startswith(PNG_SIGNATURE):
        return png_size(data)
    if data.startswith(b"\xff\xd8"):
        for marker in (b"\xff\xc0", b"\xff\xc2"):
            at = data.find(marker)
            if at > 0:
                height, width = struct.unpack(">HH", data[at + 5 : at + 9])
                return width, height
    raise BadRequest("Bad Request: IMAGE_PROCESS_FAILED")


def png_size(data: bytes) -> tuple[int, int]:
    chunks: list[tuple[bytes, bytes]] = []
    at = len(PNG_SIGNATURE)
    while at + 12 <= len(data):
        (size,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + size]
        (crc,) = struct.unpack(">I", data[at + 8 + size : at + 12 + size] or b"\0\0\0\0")
        if len(body) != size or zlib.crc32(kind + body) != crc:
            raise BadRequest("Bad Request: IMAGE_PROCESS_FAILED")
        chunks.append((kind, body))
        at += 12 + size
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        raise BadRequest("Bad Request: IMAGE_PROCESS_FAILED")
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    samples = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour)
    try:
        pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    except zlib.error:
        raise BadRequest("Bad Request: IMAGE_PROCESS_FAILED") from None
    if samples is None or len(pixels) != height * (1 + (width * samples * depth + 7) // 8):
        raise BadRequest("Bad Request: IMAGE_PROCESS_FAILED")
    return width, height


@dataclass
class Chat:
    id: int
    type: str = "supergroup"
    title: str = "Test group"
    username: str | None = None
    bot_is_member: bool = True

    def as_result(self) -> dict[str, Any]:
        chat = {"id": self.id, "type": self.type, "title": self.title}
        return {**chat, "username": self.username} if self.username else chat


@dataclass
class Sent:
    """One message the stand-in accepted."""

    method: str
    chat_id: int
    message_id: int
    params: dict[str, Any]
    text: str | None = None  # sendMessage's text, or a caption, as Telegram shows it after parsing
    upload: tuple[str, str, bytes] | None = None  # (file name, content type, bytes) of a document or photo


@dataclass
class Call:
    """One call the stand-in received (answered or not), with its time on the monotonic clock."""

    method: str
    params: dict[str, Any]
    at: float


@dataclass
class Fault:
    method: str
    status: int
    answer: dict[str, Any]
    times: int


@dataclass
class BotApiStandIn:
    """Start with ``start()``; point TELEGRAM_API_URL at ``url`` and TELEGRAM_BOT_TOKEN at ``token``."""

    token: str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    chats: dict[int, Chat] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    # Called with (method, params) before a call is answered; returning True drops the call unanswered
    # and undelivered, as if the connection broke (tests use it to kill the caller mid-digest).
    on_call: Callable[[str, dict[str, Any]], bool] | None = None

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.message_ids: dict[int, itertools.count] = {}
        self.httpd: ThreadingHTTPServer | None = None

    # --- what a test sets up
    def add_chat(self, chat_id: int, title: str = "Test group", **kwargs: Any) -> Chat:
        self.chats[chat_id] = Chat(chat_id, title=title, **kwargs)
        return self.chats[chat_id]

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        answer = {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after},
        }
        self.faults.append(Fault(method, 429, answer, times))

    def fail(self, method: str, status: int, description: str, times: int = 1) -> None:
        self.faults.append(
            Fault(method, status, {"ok": False, "error_code": status, "description": description}, times)
        )

    # --- what a test reads
    def delivered(self, chat_id: int | None = None) -> list[Sent]:
        with self.lock:
            return [s for s in self.sent if chat_id is None or s.chat_id == chat_id]

    # --- the server
    @property
    def url(self) -> str:
        assert self.httpd, "start() first"
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> BotApiStandIn:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()

    def answer(self, path: str, params: dict[str, Any], files: dict[str, tuple[str, str, bytes]]) -> tuple[int, dict]:
        """(HTTP status, JSON answer) for one call."""
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path[len(prefix) :]
        with self.lock:
            uploads = {name: f"<upload {upload[0]}>" for name, upload in files.items()}
            self.calls.append(Call(method, {**params, **uploads}, time.monotonic()))
            fault = next((f for f in self.faults if f.method == method and f.times > 0), None)
            if fault:
                fault.times -= 1
                return fault.status, fault.answer
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            return 200, {"ok": True, "result": handler(params, files)}
        except BadRequest as exc:
            answer = {"ok": False, "error_code": exc.error_code, "description": str(exc)}
            return exc.error_code, {**answer, "parameters": exc.parameters} if exc.parameters else answer

    # --- the methods
    def _getMe(self, params: dict, files: dict) -> dict:
        return {**BOT, "can_join_groups": True, "can_read_all_group_messages": True}

    def _getChat(self, params: dict, files: dict) -> dict:
        return self._chat(params).as_result()

    def _sendMessage(self, params: dict, files: dict) -> dict:
        chat = self._chat(params)
        text = str(params.get("text") or "")
        shown, entities = self._parsed(text, params.get("parse_mode"))
        if not shown.strip():
            raise BadRequest("Bad Request: message text is empty")
        if utf16_len(shown) > TEXT_LIMIT:
            raise BadRequest("Bad Request: message is too long")
        result = self._deliver("sendMessage", chat, params, text=shown)
        return {**result, "text": shown, **({"entities": entities} if entities else {})}

    def _sendDocument(self, params: dict, files: dict) -> dict:
        chat = self._chat(params)
        name, content_type, data = self._upload(params, files, "document")
        if not data:
            raise BadRequest("Bad Request: file must be non-empty")
        if len(data) > DOCUMENT_LIMIT:
            raise BadRequest("Request Entity Too Large", 413)
        caption = self._caption(params)
        result = self._deliver("sendDocument", chat, params, text=caption, upload=(name, content_type, data))
        document = {
            "file_name": name,
            "mime_type": content_type,
            "file_id": f"BQACAgEAAx{result['message_id']}",
            "file_unique_id": f"AgAD{result['message_id']}",
            "file_size": len(data),
        }
        return {**result, "document": document, **({"caption": caption} if caption else {})}

    def _sendPhoto(self, params: dict, files: dict) -> dict:
        chat = self._chat(params)
        name, content_type, data = self._upload(params, files, "photo")
        if len(data) > PHOTO_LIMIT:
            raise BadRequest("Bad Request: PHOTO_INVALID_DIMENSIONS")
        width, height = image_size(data)
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise BadRequest("Bad Request: PHOTO_INVALID_DIMENSIONS")
        caption = self._caption(params)
        result = self._deliver("sendPhoto", chat, params, text=caption, upload=(name, content_type, data))
        sizes = [side for side in (90, 320, 800, 1280) if side < max(width, height)] + [max(width, height)]
        photo = [
            {
                "file_id": f"AgACAgEAAx{result['message_id']}_{side}",
                "file_unique_id": f"AQAD{result['message_id']}_{side}",
                "width": round(width * side / max(width, height)),
                "height": round(height * side / max(width, height)),
            }
            for side in sizes
        ]
        return {**result, "photo": photo, **({"caption": caption} if caption else {})}

    # --- Telegram's checks
    def _chat(self, params: dict) -> Chat:
        target = params.get("chat_id")
        if target in (None, ""):
            raise BadRequest("Bad Request: chat_id is empty")
        target = str(target)
        chat = next(
            (c for c in self.chats.values() if str(c.id) == target or (c.username and f"@{c.username}" == target)),
            None,
        )
        if chat is None:
            raise BadRequest("Bad Request: chat not found")
        if not chat.bot_is_member:
            kind = "channel chat" if chat.type == "channel" else f"{chat.type} chat"
            raise BadRequest(f"Forbidden: bot is not a member of the {kind}", 403)
        return chat

    @staticmethod
    def _parsed(text: str, parse_mode: Any) -> tuple[str, list[dict]]:
        if parse_mode is None:
            return text, []
        if str(parse_mode).lower() != "html":
            raise BadRequest(f"Bad Request: unsupported parse_mode {parse_mode!r} here (the stand-in speaks HTML)")
        return parse_html(text)

    def _caption(self, params: dict) -> str | None:
        if not params.get("caption"):
            return None
        shown, _ = self._parsed(str(params["caption"]), params.get("parse_mode"))
        if utf16_len(shown) > CAPTION_LIMIT:
            raise BadRequest("Bad Request: message caption is too long")
        return shown

    @staticmethod
    def _upload(params: dict, files: dict, name: str) -> tuple[str, str, bytes]:
        if name in files:
            return files[name]
        raise BadRequest(f"Bad Request: there is no {name} in the request")

    def _deliver(self, method: str, chat: Chat, params: dict, **content: Any) -> dict[str, Any]:
        with self.lock:
            counter = self.message_ids.setdefault(chat.id, itertools.count(101))
            message_id = next(counter)
            self.sent.append(Sent(method, chat.id, message_id, dict(params), **content))
        return {"message_id": message_id, "from": BOT, "chat": chat.as_result(), "date": int(time.time())}


def read_request(
    content_type: str, body: bytes, query: str
) -> tuple[dict[str, Any], dict[str, tuple[str, str, bytes]]]:
    """The call's parameters and uploaded files, from a query string and a JSON, form or multipart body."""
    params: dict[str, Any] = dict(urllib.parse.parse_qsl(query))
    files: dict[str, tuple[str, str, bytes]] = {}
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return params, files
    if kind == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError:
            raise BadRequest("Bad Request: can't parse JSON object") from None
        if not isinstance(decoded, dict):
            raise BadRequest("Bad Request: can't parse JSON object")
        params.update(decoded)
    elif kind == "application/x-www-form-urlencoded":
        params.update(urllib.parse.parse_qsl(body.decode()))
    elif kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        if message.defects or not message.is_multipart():
            raise BadRequest("Bad Request: can't parse multipart/form-data")
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[name] = (part.get_filename(), part.get_content_type(), data)
            else:
                params[name] = data.decode()
    else:
        raise BadRequest(f"Bad Request: unsupported Content-Type {kind!r}")
    return params, files


def _handler(standin: BotApiStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes; Nagle would hold the body ~40 ms

        def do_GET(self) -> None:
            self.do_POST()

        def do_POST(self) -> None:
            path, _, query = self.path.partition("?")
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                params, files = read_request(self.headers.get("Content-Type", ""), body, query)
            except BadRequest as exc:
                return self._send(400, {"ok": False, "error_code": 400, "description": str(exc)})
            method = path.rsplit("/", 1)[-1]
            if standin.on_call and path.startswith(f"/bot{standin.token}/") and standin.on_call(method, params):
                self.close_connection = True
                return
            self._send(*standin.answer(path, params, files))

        def _send(self, status: int, answer: dict) -> None:
            data = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
