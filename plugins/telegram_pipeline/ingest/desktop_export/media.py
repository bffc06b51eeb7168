"""The media of an exported message as Bot API fields: photo, the kinds of file (sticker, voice, video,
animation, audio, document), poll, contact, location or venue, game."""

from __future__ import annotations

from typing import Any


def media_fields(message: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """(the Bot API media fields of an exported message, whether its text is their caption)."""
    if "photo" in message:
        return {"photo": [_photo(message)]}, True
    if "file" in message or message.get("media_type"):
        return _file(message)
    for is_it, build in _OTHER_MEDIA:
        if is_it(message):
            return build(message), True
    return {}, False


def dimensions(message: dict[str, Any]) -> dict[str, int]:
    return {k: message[k] for k in ("width", "height") if isinstance(message.get(k), int)}


def _photo(message: dict[str, Any]) -> dict[str, Any]:
    photo = dimensions(message)
    if isinstance(message.get("photo_file_size"), int):
        photo["file_size"] = message["photo_file_size"]
    return photo


def _file(message: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A file of the export: a sticker, voice or video message, video, animation, audio or document."""
    info = {k: message[k] for k in ("file_name", "mime_type", "file_size") if message.get(k) is not None}
    duration = message.get("duration_seconds")
    timed = {"duration": duration} if isinstance(duration, int) else {}
    size = dimensions(message)
    media_type = message.get("media_type")
    if media_type == "sticker":
        name = str(message.get("file") or "")
        emoji = {"emoji": message["sticker_emoji"]} if message.get("sticker_emoji") else {}
        sticker = {"type": "regular", **size, "is_animated": name.endswith(".tgs"), "is_video": name.endswith(".webm")}
        return {"sticker": {**sticker, **emoji}}, False
    if media_type == "voice_message":
        return {"voice": {**timed, **{k: v for k, v in info.items() if k != "file_name"}}}, True
    if media_type == "video_message":
        width = message.get("width")
        return {"video_note": {**timed, **({"length": width} if isinstance(width, int) else {})}}, False
    if media_type == "video_file":
        return {"video": {**size, **timed, **info}}, True
    if media_type == "animation":  # as Telegram does: an animation is also announced as a document
        return {"animation": {**size, **timed, **info}, "document": dict(info)}, True
    if media_type == "audio_file":
        extra = {k: message[k] for k in ("performer", "title") if isinstance(message.get(k), str)}
        return {"audio": {**timed, **extra, **info}}, True
    return {"document": dict(info)}, True


def _poll(message: dict[str, Any]) -> dict[str, Any]:
    poll = message["poll"]
    answers = poll.get("answers") if isinstance(poll.get("answers"), list) else []
    options = [{"text": a.get("text", ""), "voter_count": a.get("voters", 0)} for a in answers if isinstance(a, dict)]
    return {
        "poll": {
            "question": poll.get("question", ""),
            "options": options,
            "total_voter_count": poll.get("total_voters", 0),
            "is_closed": bool(poll.get("closed", False)),
            "type": "regular",
        }
    }


def _contact(message: dict[str, Any]) -> dict[str, Any]:
    contact = message["contact_information"]
    return {"contact": {k: contact[k] for k in ("phone_number", "first_name", "last_name") if contact.get(k)}}


def _place(message: dict[str, Any]) -> dict[str, Any]:
    """A shared location, or a venue (which the Bot API also gives as its location)."""
    point = message.get("location_information")
    location = {"latitude": point["latitude"], "longitude": point["longitude"]} if isinstance(point, dict) else {}
    if isinstance(message.get("live_location_period_seconds"), int):
        location["live_period"] = message["live_location_period_seconds"]
    if "place_name" not in message:
        return {"location": location}
    venue = {"location": location, "title": message.get("place_name", ""), "address": message.get("address", "")}
    return {"venue": venue, "location": location}


def _game(message: dict[str, Any]) -> dict[str, Any]:
    return {"game": {"title": message["game_title"], "description": message.get("game_description", "")}}


_OTHER_MEDIA = (
    (lambda m: isinstance(m.get("poll"), dict), _poll),
    (lambda m: isinstance(m.get("contact_information"), dict), _contact),
    (lambda m: "place_name" in m or "location_information" in m, _place),
    (lambda m: bool(m.get("game_title")), _game),
)
