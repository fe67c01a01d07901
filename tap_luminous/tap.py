"""TapLuminous: settings, the checks that run before any request, and the list of streams."""

from __future__ import annotations

import io
import json
import os
import signal
import typing as t

import click
import jsonschema
from singer_sdk import Stream, Tap
from singer_sdk.helpers.capabilities import (
    CapabilitiesEnum,
    PluginCapabilities,
    TapCapabilities,
)

from tap_luminous._sdk_internals import NonZeroExitOnSignalMixin
from tap_luminous.batches import BatchFiles, parse_batch_config, tenant_tag
from tap_luminous.connection import TEST_SETTINGS, check_connection, streams_to_test
from tap_luminous.errors import SelectionError, SettingError
from tap_luminous.output import BufferedSingerWriter
from tap_luminous.pacing import RequestPacer
from tap_luminous.settings import (
    CONFIG_SCHEMA,
    complete_settings,
    environment_typos,
    likely_typos,
    resolve_api_url,
    validate_settings,
)
from tap_luminous.state import checked_state, read_state_text, tenant_marker
from tap_luminous.streams import STREAMS

if t.TYPE_CHECKING:
    from tap_luminous.parents import ParentStream


class TapLuminous(NonZeroExitOnSignalMixin, Tap):
    """Singer tap for the Luminous ERP API."""

    name = "tap-luminous"
    package_name = "tap-luminous"
    config_jsonschema = CONFIG_SCHEMA
    message_writer_class = BufferedSingerWriter
    # BATCH is opt-in (`batch_config`, batches.py): the writer fills the files and announces
    # them before every STATE, never the SDK's own `Stream._sync_batches`.
    capabilities: t.ClassVar[list[CapabilitiesEnum]] = [
        PluginCapabilities.BATCH,
        TapCapabilities.CATALOG,
        TapCapabilities.STATE,
        TapCapabilities.DISCOVER,
        TapCapabilities.TEST,
        TapCapabilities.ACTIVATE_VERSION,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """Check settings before any request, failing with one line that names the setting.

        Overrides the SDK's (0.54) JSON-schema pass, whose failure is several log lines with
        no setting-specific advice; it still runs first for type errors. Discovery and --about
        call this with raise_errors=False and only get warnings.
        """
        self._config = dict(self._config)  # never mutate the caller's dict
        complete_settings(self._config)
        self.append_builtin_config(self.config_jsonschema)
        validator = jsonschema.Draft7Validator(self.config_jsonschema)
        schema_errors = sorted(validator.iter_errors(dict(self.config)), key=str)
        typos = likely_typos(self.config, self.config_jsonschema["properties"])
        if not raise_errors:
            return [error.message for error in schema_errors] + [
                f"Unknown setting '{typo}': did you mean '{meant}'?" for typo, meant in typos
            ]
        if typos:
            typo, meant = typos[0]
            raise SettingError(typo, f"unknown setting; did you mean '{meant}'?")
        # Our checks first: they name the setting and say what is accepted.
        for warning in validate_settings(self.config):
            self.logger.warning(warning)
        if schema_errors:
            error = schema_errors[0]
            setting = str(error.path[0]) if error.path else _setting_named_in(error.message)
            raise SettingError(setting, error.message)
        return []

    #: Where the state came from, for error lines (set by `invoke` for --state files).
    state_source: t.ClassVar[str] = "the state given to the tap"

    @classmethod
    def invoke(  # type: ignore[override]
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: t.Any = None,
        state: t.IO[str] | None = None,
        catalog: t.IO[str] | None = None,
        test: str = "disabled",
    ) -> None:
        """The SDK's invoke, with the state file read here so its errors name the file, a
        misspelt setting in the environment stopped as one in a file is, and `--test` run here
        (after `--catalog` is read, whatever the order of the options)."""
        typos = [] if about else environment_typos(os.environ)
        if typos:
            name, meant = typos[0]
            raise SettingError(
                name,
                f"unknown environment variable (the tap would ignore it); did you mean '{meant}'?",
            )
        if test != "disabled" and not about:
            cls.run_test(test, config, catalog)
            return
        if state is not None:
            source = f"state file '{getattr(state, 'name', 'stdin')}'"
            parsed = read_state_text(state.read(), source)
            cls.state_source = source
            state = io.StringIO(json.dumps(parsed))
        super().invoke(
            about=about, about_format=about_format, config=config, state=state, catalog=catalog
        )

    @classmethod
    def get_singer_command(cls) -> click.Command:
        """The SDK's command, with `--test` handed to `invoke` (the SDK's callback runs before
        `--catalog` is read when `--test` comes first, and tests every stream)."""
        command = super().get_singer_command()
        for param in command.params:
            if param.name == "test":
                param.callback = None
                param.expose_value = True
        return command

    @classmethod
    def run_test(cls, mode: str, config: t.Any, catalog: t.IO[str] | None) -> None:
        """`--test`: one small request per selected stream (connection.py); `--test=schema`:
        the SDK's, the SCHEMA messages only."""
        catalog_dict = json.load(catalog) if catalog is not None else None
        tap = cls(
            config=getattr(config, "config", None),
            catalog=catalog_dict,
            parse_env_config=bool(getattr(config, "parse_env", False)),
            validate_config=True,
        )
        if mode == "schema":
            tap.write_schemas()
            return
        streams = streams_to_test(tap.streams.values())
        # The same settings, with retries cut so that a failure answers in seconds.
        quick_config = {
            **tap.config,
            **{name: min(value, tap.config[name]) for name, value in TEST_SETTINGS.items()},
        }
        quick = cls(config=quick_config, catalog=catalog_dict, validate_config=True)
        probes = [t.cast("ParentStream", quick.streams[stream.name]) for stream in streams]
        tap.logger.info(check_connection(probes, resolve_api_url(quick.config)))

    def __init__(
        self,
        *args: t.Any,
        catalog: t.Any = None,
        validate_config: bool = True,
        **kwargs: t.Any,
    ) -> None:
        super().__init__(*args, catalog=catalog, validate_config=validate_config, **kwargs)
        if validate_config and catalog is not None:  # a sync (discovery validates nothing)
            check_selection(self.streams.values())

    def stop_on_signal(self, signum: int) -> None:
        """SIGTERM/SIGINT: write the last STATE, then exit non-zero (128 + the signal's number,
        as a shell reports it). The state is resumable at any moment (see export.py), so this
        STATE is where the next run resumes; a message half-written is finished first."""
        busy = BufferedSingerWriter.any_busy()
        if busy is not None:
            busy.defer(lambda: self._stop(signum))
            return
        self._stop(signum)

    def _stop(self, signum: int) -> None:
        try:
            self.state_writer.write_state(self.state)
            BufferedSingerWriter.flush_all()
        finally:
            self.logger.warning(
                "Stopped by %s before the sync finished; the last STATE message is where the "
                "next run resumes",
                signal.Signals(signum).name,
            )
            raise SystemExit(128 + signum)

    def load_state(self, state: dict[str, t.Any]) -> None:
        """Check the state before any request, and keep only one tenant's (see state.py)."""
        marker = tenant_marker(resolve_api_url(self.config))
        if state:
            state = checked_state(state, self.state_source, marker, self.logger)
        super().load_state(state)
        self.tenant = {"api": marker}  # joins the state with the first bookmark (see state.py)

    _batch_output_started = False

    def start_batch_output(self) -> None:
        """Switch BATCH output on when `batch_config` asks, once, before the first stream syncs.

        Called from `ParentStream.start_run` (the SDK's `Tap.sync_all` is final).
        """
        if self._batch_output_started:
            return
        self._batch_output_started = True
        settings = parse_batch_config(self.config.get("batch_config"))
        if settings is None:
            return
        check_batch_compatible(self.streams.values())
        writer = self.message_writer
        assert isinstance(writer, BufferedSingerWriter)
        tenant = tenant_tag(tenant_marker(resolve_api_url(self.config)))
        writer.batches = BatchFiles(settings, tenant, self.logger)
        self.logger.info(
            "BATCH output: %s files of up to %d records in %s",
            settings.compression,
            settings.batch_size,
            settings.directory,
        )

    def discover_streams(self) -> list[Stream]:
        streams = [stream_type(tap=self) for stream_type in STREAMS]
        pacer = RequestPacer.for_config(self.config, self.logger)
        for stream in streams:
            if stream.parent_stream_type is None:
                t.cast("ParentStream", stream).pacer = pacer  # one token, one rate budget
        return streams


def check_selection(streams: t.Iterable[Stream]) -> None:
    """Stop before any request when the catalog selects no stream: such a run would exit 0
    having extracted nothing, forever, on a schedule."""
    if any(stream.selected for stream in streams):
        return
    raise SelectionError(
        "No stream is selected in the catalog, so this run would extract nothing: select at "
        "least one (Meltano: `meltano select tap-luminous sales_orders '*'`; `meltano select "
        "tap-luminous --list --all` shows the selection; `--exclude` alone deselects every "
        "stream no other rule selects)"
    )


def check_batch_compatible(streams: t.Iterable[Stream]) -> None:
    """Refuse BATCH output for a run that would write ACTIVATE_VERSION (see batches.py)."""
    for stream in streams:
        if stream.parent_stream_type or not (stream.selected or stream.has_selected_descendents):
            continue
        reason = t.cast("ParentStream", stream).activates_version()
        if reason is not None:
            raise SettingError(
                "batch_config",
                f"cannot be used for this run: {reason}, so it would end with ACTIVATE_VERSION, "
                "and rows loaded from batch files carry no table version (the target would "
                "retire them); run it without batch_config, or, for a full read, set "
                "reconcile_full_reads to false or deselect the stream",
            )


def _setting_named_in(error: str) -> str:
    for name in CONFIG_SCHEMA["properties"]:
        if f"'{name}'" in error:
            return name
    return "config"


if __name__ == "__main__":
    TapLuminous.cli()
