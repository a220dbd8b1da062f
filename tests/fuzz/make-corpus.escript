#!/usr/bin/env escript
%% -*- erlang -*-
%% make-corpus.escript: seeds the fuzz corpora from the golden vectors.
%%
%%   escript tests/fuzz/make-corpus.escript tests/data/golden.txt tests/fuzz/corpus
%%
%% fuzz_etf_decode gets every golden encoding of at most 2 KiB; fuzz_frame
%% gets streams of a few framed vectors behind its two control bytes
%% (maximum frame size, chunk size).
-mode(compile).

main([Golden, Dir]) ->
    {ok, Data} = file:read_file(Golden),
    Vs = [binary:decode_hex(H)
          || <<T, " ", H/binary>> <- binary:split(Data, <<"\n">>, [global]),
             T =:= $E orelse T =:= $D,
             byte_size(H) =< 4096],
    Dec = filename:join(Dir, "fuzz_etf_decode"),
    Fr = filename:join(Dir, "fuzz_frame"),
    ok = filelib:ensure_dir(filename:join(Dec, "x")),
    ok = filelib:ensure_dir(filename:join(Fr, "x")),
    write(Dec, Vs),
    rand:seed(exsss, {1, 2, 3}),
    Frames = [frames(Vs) || _ <- lists:seq(1, 40)]
        ++ [<<255, 0, 0:32>>, <<0, 3, 255, 255, 255, 255>>,
            <<1, 1, 0, 0, 0, 1, 131>>],
    write(Fr, Frames).

frames(Vs) ->
    N = rand:uniform(4),
    Body = << <<(byte_size(V)):32, V/binary>>
              || V <- [lists:nth(rand:uniform(length(Vs)), Vs)
                       || _ <- lists:seq(1, N)] >>,
    <<255, (rand:uniform(17) - 1), Body/binary>>.

write(Dir, Bins) ->
    lists:foreach(
      fun({I, B}) ->
              Name = io_lib:format("seed-~3..0b", [I]),
              ok = file:write_file(filename:join(Dir, Name), B)
      end, lists:zip(lists:seq(1, length(Bins)), Bins)).
