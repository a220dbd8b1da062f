#!/usr/bin/env escript
%% erlang_client.escript SOCKET DATADIR [--no-sync]
%%
%% An Erlang program that uses todod the way todod-protocol(7) says any
%% Erlang program can: gen_tcp on the Unix socket with {packet, 4},
%% term_to_binary/1 for requests and binary_to_term/1 for replies.  It
%% does every operation of the protocol, checks every reply, checks that
%% replies are encoded as OTP itself would encode them (UTF-8 atoms,
%% smallest integers, no compression), and reads a list file back with
%% binary_to_term/1 as the book's code does, and has the daemon load a
%% large list file it wrote compressed.  Exit status 0 when all is
%% as specified; otherwise the first difference is printed and it exits 1.
%%
%% --no-sync: the daemon has no `sync` request (todod's extension, which
%% brings the files up to date with its workers' journals), as the
%% protocol's reference peer: its list file is up to date once a change
%% is answered, and is read without it.
-mode(compile).

main([Sock, DataDir]) ->
    main(Sock, DataDir, true);
main([Sock, DataDir, "--no-sync"]) ->
    main(Sock, DataDir, false);
main(_) ->
    io:format("usage: erlang_client.escript SOCKET DATADIR [--no-sync]~n"),
    halt(2).

main(Sock, DataDir, Sync) ->
    try
        run(Sock, DataDir, Sync),
        case get(failures) of
            undefined ->
                io:format("erlang client: all checks passed~n"),
                halt(0);
            Fs ->
                [io:format("erlang client: ~s~n  expected ~p~n  got      ~p~n",
                           [W, Want, Got]) || {W, Want, Got} <- lists:reverse(Fs)],
                halt(1)
        end
    catch
        throw:{mismatch, What, Want, Got} ->
            io:format("erlang client: ~s~n  expected ~p~n  got      ~p~n",
                      [What, Want, Got]),
            halt(1);
        C:E:St ->
            io:format("erlang client: ~p:~p~n~p~n", [C, E, St]),
            halt(1)
    end.

connect(Sock) ->
    {ok, S} = gen_tcp:connect({local, Sock}, 0,
                              [binary, {packet, 4}, {active, false}], 5000),
    S.

%% Send a request (as term_to_binary/1 encodes it, unless Opts say
%% otherwise) and return the decoded reply.
call(S, Req) -> call(S, Req, []).
call(S, Req, Opts) ->
    ok = gen_tcp:send(S, term_to_binary(Req, Opts)),
    recv(S, Req).

recv(S, Req) ->
    case gen_tcp:recv(S, 0, 10000) of
        {ok, B} ->
            T = binary_to_term(B),
            %% Output: UTF-8 atoms, smallest integers, no compression.
            expect({encoding_of_reply_to, Req, T}, ok, output_form(B)),
            T;
        {error, E} ->
            throw({mismatch, io_lib:format("reply to ~p", [Req]), reply, {error, E}})
    end.

%% todod-protocol(7), replies: atoms as UTF-8 atoms (tags 118/119),
%% integers in the smallest encoding, no compression.  Walks the bytes.
output_form(<<131, Rest/binary>>) ->
    case walk(Rest) of
        {ok, <<>>} -> ok;
        {ok, Trail} -> {trailing_bytes, Trail};
        Err -> Err
    end;
output_form(B) -> {bad_version, B}.

walk(<<97, _, R/binary>>) -> {ok, R};
walk(<<98, I:32/signed, R/binary>>) when I < 0; I > 255 -> {ok, R};
walk(<<98, I:32/signed, _/binary>>) -> {not_smallest, I};
walk(<<110, N, S, D:N/binary, R/binary>>) ->
    I = binary:decode_unsigned(D, little),
    V = case S of 0 -> I; 1 -> -I end,
    Min = max(1, byte_size(binary:encode_unsigned(I))),
    if
        V >= -16#80000000, V =< 16#7fffffff -> {not_smallest, V};
        N =/= Min -> {not_smallest, V};
        true -> {ok, R}
    end;
walk(<<111, _/binary>>) -> {not_smallest, large_big};
walk(<<70, _:8/binary, R/binary>>) -> {ok, R};
walk(<<119, N, _:N/binary, R/binary>>) -> {ok, R};
walk(<<118, N:16, _:N/binary, R/binary>>) when N > 255 -> {ok, R};
walk(<<118, N:16, _/binary>>) -> {not_smallest, {atom_ext_of, N}};
walk(<<T, _/binary>>) when T =:= 100; T =:= 115 -> {latin1_atom, T};
walk(<<80, _/binary>>) -> compressed;
walk(<<104, N, R/binary>>) -> walk_n(N, R);
walk(<<105, N:32, R/binary>>) -> walk_n(N, R);
walk(<<106, R/binary>>) -> {ok, R};
walk(<<107, N:16, _:N/binary, R/binary>>) -> {ok, R};
walk(<<108, N:32, R/binary>>) ->
    case walk_n(N, R) of {ok, R2} -> walk(R2); E -> E end;
walk(<<109, N:32, _:N/binary, R/binary>>) -> {ok, R};
walk(<<116, N:32, R/binary>>) -> walk_n(2 * N, R);
walk(B) -> {unexpected, B}.

walk_n(0, R) -> {ok, R};
walk_n(N, R) -> case walk(R) of {ok, R2} -> walk_n(N - 1, R2); E -> E end.

%% A difference is recorded and the run goes on.
expect(_What, Want, Got) when Want =:= Got -> ok;
expect(What, Want, Got) ->
    Fs = case get(failures) of undefined -> []; L -> L end,
    put(failures, [{io_lib:format("~p", [What]), Want, Got} | Fs]),
    error.

check(S, Req, Want) -> expect(Req, Want, call(S, Req)).

date(Y, M, D) ->
    #{'__struct__' => 'Elixir.Date', calendar => 'Elixir.Calendar.ISO',
      year => Y, month => M, day => D}.

entry(Id, {Y, M, D}, Title) -> #{id => Id, date => date(Y, M, D), title => Title}.

run(Sock, DataDir, Sync) ->
    S = connect(Sock),
    check(S, ping, pong),
    {ok, Lists0} = call(S, lists),
    true = is_list(Lists0),
    {ok, Stats} = call(S, stats),
    [true = maps:is_key(K, Stats) ||
        K <- [supervisor, cache, workers, lists_live, restarts, uptime_s]],
    [true = is_integer(maps:get(pid, W)) || W <- maps:get(workers, Stats)],
    check(S, size, {error, not_attached}),
    check(S, {delete_entry, 1}, {error, not_attached}),
    check(S, frobnicate, {error, unknown_request}),
    check(S, {server_process, <<>>}, {error, bad_name}),
    check(S, {server_process, bob}, {error, badarg}),

    {ok, Pid} = call(S, {server_process, <<"erlang">>}),
    true = is_integer(Pid),
    S2 = connect(Sock),
    check(S2, {server_process, <<"erlang">>}, {ok, Pid}),
    check(S, lists, {error, unknown_request}),
    check(S, stats, {error, unknown_request}),
    check(S, size, {ok, 0}),
    check(S, entries, {ok, []}),

    %% add_entry with each form of date
    check(S, {add_entry, #{date => date(2023, 12, 19), title => <<"Dentist">>}}, {ok, 1}),
    check(S, {add_entry, #{date => {2023, 12, 20}, title => <<"Shopping">>}}, {ok, 2}),
    check(S, {add_entry, #{date => <<"2023-12-19">>, title => <<"Movies">>}}, {ok, 3}),
    %% compressed and UTF-8-atom encodings of requests
    check_opts(S, {add_entry, #{date => {2024, 2, 29},
                                title => unicode:characters_to_binary("Caf\x{e9} \x{1F600}")}},
               [compressed], {ok, 4}),
    check_opts(S, size, [{minor_version, 2}], {ok, 4}),
    E1 = entry(1, {2023, 12, 19}, <<"Dentist">>),
    E2 = entry(2, {2023, 12, 20}, <<"Shopping">>),
    E3 = entry(3, {2023, 12, 19}, <<"Movies">>),
    E4 = entry(4, {2024, 2, 29}, unicode:characters_to_binary("Caf\x{e9} \x{1F600}")),
    check(S, entries, {ok, [E1, E2, E3, E4]}),
    check(S, {entries, date(2023, 12, 19)}, {ok, [E1, E3]}),
    check(S, {entries, {2023, 12, 20}}, {ok, [E2]}),
    check(S, {entries, <<"2024-02-29">>}, {ok, [E4]}),
    check(S2, size, {ok, 4}),

    %% update_entry, delete_entry, not_found, badarg
    E1b = entry(1, {2023, 12, 21}, <<"Dentist">>),
    check(S, {update_entry, 1, #{date => {2023, 12, 21}}}, {ok, E1b}),
    E1c = entry(1, {2023, 12, 21}, <<"Dentist at 9">>),
    check(S, {update_entry, 1, #{title => <<"Dentist at 9">>}}, {ok, E1c}),
    E2b = entry(2, {2024, 1, 2}, <<"Groceries">>),
    check(S, {update_entry, 2, #{date => date(2024, 1, 2), title => <<"Groceries">>}}, {ok, E2b}),
    check(S, {update_entry, 99, #{title => <<"x">>}}, {error, not_found}),
    check(S, {update_entry, (1 bsl 63) - 1, #{title => <<"x">>}}, {error, not_found}),
    %% on a connection of their own: a daemon that wrongly closes it
    %% does not stop the rest of the run
    SB = connect(Sock),
    check(SB, {server_process, <<"erlang">>}, {ok, Pid}),
    check(SB, {update_entry, 1 bsl 63, #{title => <<"x">>}}, {error, badarg}),
    gen_tcp:close(SB),
    SB2 = connect(Sock),
    check(SB2, {server_process, <<"erlang">>}, {ok, Pid}),
    check(SB2, {delete_entry, -(1 bsl 64)}, {error, badarg}),
    gen_tcp:close(SB2),
    check(S, {update_entry, 1, #{}}, {error, badarg}),
    check(S, {update_entry, 1, #{title => <<"x">>, extra => 1}}, {error, badarg}),
    check(S, {add_entry, #{date => {2023, 2, 29}, title => <<"x">>}}, {error, badarg}),
    check(S, {add_entry, #{date => {2023, 1, 1}, title => <<>>}}, {error, badarg}),
    check(S, {add_entry, #{date => {2023, 1, 1}, title => "charlist"}}, {error, badarg}),
    check(S, {delete_entry, 3}, ok),
    check(S, {delete_entry, 3}, {error, not_found}),
    check(S, {delete_entry, 0}, {error, badarg}),
    check(S, {delete_entry, 1.0}, {error, badarg}),
    check(S, size, {ok, 3}),
    check(S2, entries, {ok, [E1c, E2b, E4]}),
    check(S, ping, pong),

    %% pipelining: many requests in one write, replies in order
    Reqs = [{add_entry, #{date => {2025, 1, 1}, title => integer_to_binary(I)}} || I <- lists:seq(1, 50)],
    ok = inet:setopts(S, [{packet, raw}]),
    ok = gen_tcp:send(S, [[<<(byte_size(B)):32>>, B] || B <- [term_to_binary(R) || R <- Reqs]]),
    ok = inet:setopts(S, [{packet, 4}]),
    [expect({pipelined, I}, {ok, 4 + I}, recv(S, pipelined)) || I <- lists:seq(1, 50)],
    check(S, size, {ok, 53}),

    %% re-attach; a refused re-attach keeps the old attachment
    {ok, Pid2} = call(S, {server_process, <<"erlang-other">>}),
    true = is_integer(Pid2),
    check(S, size, {ok, 0}),
    check(S, {server_process, <<"a", 0, "b">>}, {error, bad_name}),
    check(S, size, {ok, 0}),
    check(S, {server_process, <<"erlang">>}, {ok, Pid}),
    check(S, size, {ok, 53}),

    %% bad frames: the error, then the connection is closed
    S3 = connect(Sock),
    ok = gen_tcp:send(S3, <<131, 100, 0, 4, "ping", 0>>),
    {ok, BF} = gen_tcp:recv(S3, 0, 5000),
    expect(trailing_byte, {error, bad_frame}, binary_to_term(BF)),
    expect(closed_after_bad_frame, {error, closed}, gen_tcp:recv(S3, 0, 5000)),

    %% the file, read as the book's code reads it, once sync has brought
    %% it up to date (changes may be in the worker's journal before)
    case Sync of
        true ->
            S5 = connect(Sock),
            expect(sync, ok, call(S5, sync)),
            gen_tcp:close(S5);
        false ->
            ok
    end,
    {ok, Bin} = file:read_file(filename:join(DataDir, "erlang")),
    List = binary_to_term(Bin),
    expect(file_struct, 'Elixir.Todo.List', maps:get('__struct__', List)),
    expect(file_next_id, 55, maps:get(next_id, List)),
    Entries = maps:get(entries, List),
    expect(file_size, 53, map_size(Entries)),
    expect(file_entry_1, E1c, maps:with([id, date, title], maps:get(1, Entries))),
    expect(file_entry_4, E4, maps:with([id, date, title], maps:get(4, Entries))),
    expect(file_no_3, false, maps:is_key(3, Entries)),

    %% a list file that Erlang wrote compressed, which inflates to more
    %% than the largest request: loaded whole all the same
    Day = fun(I) -> {2020 + I div 100, 1 + I rem 12, 1 + I rem 28} end,
    Long = binary:copy(<<"x">>, 3000),
    Big = #{'__struct__' => 'Elixir.Todo.List', next_id => 401,
            entries => maps:from_list([{I, entry(I, Day(I), Long)} ||
                                          I <- lists:seq(1, 400)])},
    BigBin = term_to_binary(Big, [compressed]),
    true = byte_size(term_to_binary(Big)) > 1048576,
    ok = file:write_file(filename:join(DataDir, "erlang-z"), BigBin),
    SZ = connect(Sock),
    {ok, _} = call(SZ, {server_process, <<"erlang-z">>}),
    check(SZ, size, {ok, 400}),
    check(SZ, {update_entry, 7, #{title => <<"seven">>}},
          {ok, entry(7, Day(7), <<"seven">>)}),
    gen_tcp:close(SZ),

    %% lists: both lists, sorted
    S4 = connect(Sock),
    {ok, Names} = call(S4, lists),
    expect(lists_sorted, lists:usort(Names), Names),
    true = lists:member(<<"erlang">>, Names),
    true = lists:member(<<"erlang-other">>, Names),
    [gen_tcp:close(X) || X <- [S, S2, S4]],
    ok.

check_opts(S, Req, Opts, Want) -> expect({Req, Opts}, Want, call(S, Req, Opts)).
